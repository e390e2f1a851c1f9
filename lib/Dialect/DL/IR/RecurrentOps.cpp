//===- RecurrentOps.cpp - Recurrent ops -----------------------------------===//
//
// Shape rule and VJP of lstm (DLRecurrentOps.td); its gradient is lstm_grad,
// which the host code loops over the time steps.
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
