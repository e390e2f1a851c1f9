//===- OpHelpers.cpp - Shared by the op families' C++ ---------------------===//
//
// The shape-rule glue and the VJP builders of OpHelpers.h: small, but used
// by several families, so kept once here.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

LogicalResult dlc::dl::appendShape(FailureOr<TensorShape> shape,
                                   SmallVectorImpl<TensorShape> &results) {
  if (failed(shape))
    return failure();
  results.push_back(std::move(*shape));
  return success();
}

Value vjp::add(OpBuilder &b, Location l, Value x, Value y) { return createInferred<AddOp>(b, l, x, y); }
Value vjp::sub(OpBuilder &b, Location l, Value x, Value y) { return createInferred<SubOp>(b, l, x, y); }
Value vjp::mul(OpBuilder &b, Location l, Value x, Value y) { return createInferred<MulOp>(b, l, x, y); }
Value vjp::div(OpBuilder &b, Location l, Value x, Value y) { return createInferred<DivOp>(b, l, x, y); }
Value vjp::neg(OpBuilder &b, Location l, Value x) { return b.create<NegOp>(l, x); }
Value vjp::step(OpBuilder &b, Location l, Value x) { return b.create<StepOp>(l, x); }

Value vjp::scalar(OpBuilder &b, Location l, Type elementType, double v) {
  auto type = RankedTensorType::get({}, elementType);
  return b.create<ConstantOp>(
      l, type, DenseElementsAttr::get(type, b.getFloatAttr(elementType, v)));
}

Value vjp::transpose(OpBuilder &b, Location l, Value x, ArrayRef<int64_t> perm) {
  return createInferred<TransposeOp>(b, l, x, b.getDenseI64ArrayAttr(perm));
}

Value vjp::reduceSum(OpBuilder &b, Location l, Value x, ArrayRef<int64_t> axes,
                     bool keepDims) {
  return createInferred<ReduceSumOp>(b, l, x, b.getDenseI64ArrayAttr(axes),
                               keepDims ? b.getUnitAttr() : UnitAttr());
}

Value vjp::unbroadcast(OpBuilder &b, Location l, Value g,
                       RankedTensorType operand) {
  auto gt = tensorType(g);
  int64_t R = gt.getRank(), r = operand.getRank();
  if (R > r) {
    g = reduceSum(b, l, g, llvm::to_vector(llvm::seq<int64_t>(0, R - r)), false);
    gt = tensorType(g);
  }
  SmallVector<int64_t> ones;
  for (int64_t i = 0; i < r; ++i)
    if (!operand.isDynamicDim(i) && operand.getDimSize(i) == 1 &&
        !(!gt.isDynamicDim(i) && gt.getDimSize(i) == 1))
      ones.push_back(i);
  if (!ones.empty())
    g = reduceSum(b, l, g, ones, true);
  return g;
}

FailureOr<Value> vjp::reshapeTo(OpBuilder &b, Location l, Value g,
                                RankedTensorType target, Operation *op) {
  int64_t dynamic = llvm::count_if(llvm::seq<int64_t>(0, target.getRank()),
                                   [&](int64_t i) { return target.isDynamicDim(i); });
  auto gt = tensorType(g);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < target.getRank(); ++i) {
    if (!target.isDynamicDim(i))
      shape.push_back(target.getDimSize(i));
    else if (dynamic == 1)
      shape.push_back(-1);
    else if (i < gt.getRank() && gt.isDynamicDim(i))
      shape.push_back(0);
    else
      return op->emitOpError("VJP: cannot reshape the cotangent ")
             << gt << " back to " << target << " (several dynamic dims)";
  }
  Value r = createInferred<ReshapeOp>(b, l, g, b.getDenseI64ArrayAttr(shape));
  return r;
}
