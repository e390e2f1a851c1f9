//===- ShapeInference.cpp - Refine dl result types ------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace dlc::dl {
#define GEN_PASS_DEF_DLSHAPEINFERENCE
#include "dlc/Dialect/DL/Transforms/Passes.h.inc"
} // namespace dlc::dl

using namespace mlir;
using namespace dlc::dl;

namespace {
/// The more precise of two compatible tensor types, dim by dim: inference
/// only ever adds information.
Type refine(Type current, Type inferred) {
  auto c = dyn_cast<RankedTensorType>(current);
  auto i = dyn_cast<RankedTensorType>(inferred);
  if (!c || !i || c.getRank() != i.getRank())
    return inferred;
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip(c.getShape(), i.getShape()))
    shape.push_back(ShapedType::isDynamic(b) ? a : b);
  return RankedTensorType::get(shape, i.getElementType());
}

struct DLShapeInferencePass
    : dlc::dl::impl::DLShapeInferenceBase<DLShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    // Program order visits producers first within the single-block bodies
    // dl functions have.
    WalkResult walk = fn.walk([&](Operation *op) -> WalkResult {
      if (op->getDialect() != getContext().getLoadedDialect<DLDialect>())
        return WalkResult::advance();
      SmallVector<Type> inferred;
      if (auto infer = dyn_cast<ShapeInferenceOpInterface>(op)) {
        if (failed(infer.inferResultTypes(op->getLoc(), inferred)))
          return WalkResult::interrupt();
      } else if (op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
                 op->getNumOperands() > 0) {
        inferred.assign(op->getNumResults(), op->getOperand(0).getType());
      } else {
        return WalkResult::advance();
      }
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        Type refined = refine(result.getType(), type);
        if (result.getType() != refined)
          result.setType(refined);
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // Keep the signature in step with what the function returns.
    Operation *terminator = fn.getBody().back().getTerminator();
    if (auto ret = dyn_cast<func::ReturnOp>(terminator))
      fn.setFunctionType(FunctionType::get(
          &getContext(), fn.getArgumentTypes(), ret.getOperandTypes()));
  }
};
} // namespace
