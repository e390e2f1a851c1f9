//===- RuntimeDims.cpp - Every tensor's dims at run time ------------------===//
//
// The host code sizes buffers and arena slots from the symbolic dims the
// caller passes (batch, ...), so it needs every tensor's dims as values.
// Each op states its own rule (ReifyDimsOpInterface, in its family's file
// beside its shape rule); here only the walk: the arguments' dims from the
// symbols, a fusion group's from its body, the dims its ops need equal,
// and "cannot compute dim" for an op whose rule has none.
//
//===----------------------------------------------------------------------===//

#include "EntryChecks.h"
#include "HostContext.h"

#include "dlc/Dialect/DL/IR/DLOps.h"

#include <functional>

using namespace mlir;

namespace dlc {

LogicalResult runtimeDims(HostContext &hc, const EntryPlan &e, ValueRange symbols,
                          DimsMap &dims, std::vector<DimCheck> &dimChecks) {
  func::FuncOp fn = e.fn;
  auto c64 = [&](int64_t v) { return hc.c64(v); };
  dimChecks.clear(); // of the function being built only
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto type = tensorType(fn.getArgument(i));
    auto names = fn.getArgAttrOfType<ArrayAttr>(i, dl::DLDialect::kDimsAttrName);
    SmallVector<Value> d;
    for (int64_t k = 0; k < type.getRank(); ++k) {
      if (!type.isDynamicDim(k)) {
        d.push_back(c64(type.getDimSize(k)));
        continue;
      }
      auto name = cast<StringAttr>(names[k]).str();
      auto pos = llvm::find(e.symbols, name) - e.symbols.begin();
      d.push_back(symbols[pos]);
    }
    dims[fn.getArgument(i)] = d;
  }
  std::function<LogicalResult(Operation &)> visit = [&](Operation &op) -> LogicalResult {
    if (auto fusion = dyn_cast<dl::FusionOp>(op)) {
      // A group's results have the dims of what its body yields.
      for (Operation &inner : fusion.getBody().front().without_terminator())
        if (failed(visit(inner)))
          return failure();
      for (auto [r, v] : llvm::zip(fusion.getResults(), fusion.getYield()->getOperands())) {
        SmallVector<Value> d = dims.lookup(v); // a copy: inserting may rehash
        dims[r] = std::move(d);
      }
      return success();
    }
    SmallVector<SmallVector<Value>> in;
    for (Value v : op.getOperands())
      in.push_back(dims.lookup(v));
    // The dims the op needs equal, checked before any kernel runs
    // (EntryChecks.h); the same value on both sides needs no check.
    for (const DimRequirement &r : requiredEqualDims(op)) {
      Value a = in[r.operandA][r.dimA], b = in[r.operandB][r.dimB];
      if (a && b && a != b)
        dimChecks.push_back({&op, a, b, r.describe()});
    }
    // Each op's rule (ReifyDimsOpInterface, beside its shape rule); an op
    // without one has only static dims.
    SmallVector<SmallVector<Value>> out;
    auto reify = dyn_cast<dl::ReifyDimsOpInterface>(op);
    if (failed(reify ? reify.reifyResultDims(hc.builder, hc.loc(), in, out)
                     : dl::reifyEachDim(&op, hc.builder, hc.loc(), out,
                                        [](unsigned, int64_t) -> FailureOr<Value> {
                                          return Value();
                                        })))
      return failure();
    for (auto [r, d] : llvm::zip(op.getResults(), out)) {
      if (!d.empty() && !d.back())
        return op.emitOpError("cannot compute dim ")
               << d.size() - 1 << " of its result at run time";
      dims[r] = d;
    }
    return success();
  };
  for (Operation &op : fn.getBody().front())
    if (!isa<func::ReturnOp>(op) && failed(visit(op)))
      return failure();
  return success();
}

} // namespace dlc
