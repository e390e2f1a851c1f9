//===- FusionOps.cpp - Fusion groups --------------------------------------===//
//
// The anchor and verifier of dl.fusion (DLFusionOps.td).
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

Operation *FusionOp::getAnchor() {
  for (Operation &op : getBody().front().without_terminator())
    if (!op.hasTrait<trait::Elementwise>())
      return &op;
  Operation *yield = getYield();
  if (yield->getNumOperands() == 0)
    return nullptr;
  return yield->getOperand(0).getDefiningOp();
}

LogicalResult FusionOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != 0)
    return emitOpError("body takes no arguments: it reads values defined "
                       "above");
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with dl.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().getTypes() << " but its results are "
           << getResultTypes();
  for (Operation &op : body.without_terminator())
    if (!isa<DLDialect>(op.getDialect()) || isa<ParamOp, AssignOp, FusionOp>(op))
      return op.emitOpError("cannot be part of a fusion group");
  return success();
}
