//===- RecurrentOps.cpp - Recurrent ops -----------------------------------===//
//
// Shape rule, run-time dims and VJP of lstm (DLRecurrentOps.td); its
// gradient is lstm_grad, which the host code loops over the time steps.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Shape rules
//===----------------------------------------------------------------------===//

LogicalResult LSTMOp::inferShapes(ArrayRef<TensorShape> operands,
                                  ShapeErrorFn emitError,
                                  SmallVectorImpl<TensorShape> &results) {
  auto shapes = inferLSTMShape(operands[0], operands[1], operands[2],
                               operands[3], emitError);
  if (failed(shapes))
    return failure();
  results.append(shapes->begin(), shapes->end());
  return success();
}

//===----------------------------------------------------------------------===//
// Run-time dims
//===----------------------------------------------------------------------===//

LogicalResult LSTMOp::reifyResultDims(OpBuilder &b, Location loc,
                                      ArrayRef<SmallVector<Value>> in,
                                      SmallVectorImpl<SmallVector<Value>> &out) {
  // output [B, T, H], h [B, H], c [B, H]
  return reifyEachDim(*this, b, loc, out, [&](unsigned r, int64_t i) -> FailureOr<Value> {
    if (i == 0)
      return in[0][0];
    if (i == 1 && r == 0)
      return in[0][1];
    return Value();
  });
}

LogicalResult LSTMGradOp::reifyResultDims(OpBuilder &b, Location loc,
                                          ArrayRef<SmallVector<Value>> in,
                                          SmallVectorImpl<SmallVector<Value>> &out) {
  // Result r is the gradient of operand r.
  return reifyEachDim(*this, b, loc, out, [&](unsigned r, int64_t i) -> FailureOr<Value> {
    return in[r][i];
  });
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

LogicalResult LSTMOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  // Backpropagation through time is one op (a host loop over the steps);
  // an unused result's cotangent is zero.
  Location l = getLoc();
  SmallVector<Value, 3> results;
  for (auto [ct, r] : llvm::zip(cts, getResults())) {
    Value zero = scalar(b, l, tensorType(r).getElementType(), 0.0);
    results.push_back(ct ? ct : b.create<BroadcastLikeOp>(l, r.getType(), zero, r).getResult());
  }
  auto grad = b.create<LSTMGradOp>(
      l, TypeRange{getInput().getType(), getWIh().getType(), getWHh().getType(),
                   getBias().getType()},
      getInput(), getWIh(), getWHh(), getBias(), results[0], results[1], results[2]);
  out.append(grad.getResults().begin(), grad.getResults().end());
  return success();
}
