//===- ReifyDimsTest.cpp - Every dl op states its run-time dims -----------===//
//
// The host code sizes buffers from each tensor's run-time dims, which every
// op states beside its shape rule (ReifyDimsOpInterface); a kernel op
// without that rule would compile only while all its dims are static and
// then fail with "cannot compute dim". Every op a kernel computes must have
// it; the ops no kernel computes (DL_NoKernel) have static results or are
// walked by the host code itself (fusion groups).

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace dlc::dl;

namespace {

TEST(ReifyDims, EveryKernelOpHasTheRule) {
  MLIRContext ctx;
  ctx.loadDialect<DLDialect>();
  int checked = 0;
  for (RegisteredOperationName name : ctx.getRegisteredOperations()) {
    if (name.getDialectNamespace() != DLDialect::getDialectNamespace() ||
        name.hasTrait<trait::NoKernel>())
      continue;
    EXPECT_TRUE(name.hasInterface<ReifyDimsOpInterface>())
        << name.getStringRef().str() << " has no reifyResultDims";
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

} // namespace
