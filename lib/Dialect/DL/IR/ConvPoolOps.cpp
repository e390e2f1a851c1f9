//===- ConvPoolOps.cpp - Convolution and pooling --------------------------===//
//
// Shape rules, run-time dims and VJPs of conv2d and the pooling ops
// (DLConvPoolOps.td), whose gradients are ops of their own
// (conv2d_grad_input, conv2d_grad_filter, *_pool2d_grad). The pooling ops'
// shape and dims rules are their ODS classes' (DL_SharedShapeRule,
// DL_SharedDimsRule).
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

LogicalResult Conv2DOp::inferShapes(ArrayRef<TensorShape> operands,
                                    ShapeErrorFn emitError,
                                    SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferConv2DShape(operands[0], operands[1], getStrides(),
                                      getPadding(), getDilation(), getGroups(),
                                      emitError),
                     results);
}

//===----------------------------------------------------------------------===//
// Run-time dims
//===----------------------------------------------------------------------===//

LogicalResult
dlc::dl::reifyConvPoolDims(Operation *op, OpBuilder &b, Location loc,
                           ArrayRef<SmallVector<Value>> in,
                           SmallVectorImpl<SmallVector<Value>> &out) {
  return reifyEachDim(op, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    if (i != 0)
      return op->emitOpError("the input's spatial dims (H, W) must be "
                             "static, got ")
             << op->getOperand(0).getType()
             << "; compile one model per image size";
    return in[0][0];
  });
}

LogicalResult Conv2DOp::reifyResultDims(OpBuilder &b, Location loc,
                                        ArrayRef<SmallVector<Value>> in,
                                        SmallVectorImpl<SmallVector<Value>> &out) {
  return reifyConvPoolDims(*this, b, loc, in, out);
}

LogicalResult
Conv2DGradInputOp::reifyResultDims(OpBuilder &b, Location loc,
                                   ArrayRef<SmallVector<Value>> in,
                                   SmallVectorImpl<SmallVector<Value>> &out) {
  return reifySameAsOperand(*this, b, loc, in, /*input*/ 2, out);
}

LogicalResult
Conv2DGradFilterOp::reifyResultDims(OpBuilder &b, Location loc,
                                    ArrayRef<SmallVector<Value>> in,
                                    SmallVectorImpl<SmallVector<Value>> &out) {
  return reifySameAsOperand(*this, b, loc, in, /*filter*/ 2, out);
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                 SmallVectorImpl<Value> &out) {
  out.push_back(b.create<Conv2DGradInputOp>(getLoc(), getInput().getType(), cts[0],
                                            getFilter(), getInput(), getStridesAttr(),
                                            getPaddingAttr(), getDilationAttr(),
                                            getGroupsAttr()));
  out.push_back(b.create<Conv2DGradFilterOp>(getLoc(), getFilter().getType(), cts[0],
                                             getInput(), getFilter(), getStridesAttr(),
                                             getPaddingAttr(), getDilationAttr(),
                                             getGroupsAttr()));
  return success();
}

LogicalResult MaxPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(b.create<MaxPool2DGradOp>(getLoc(), getInput().getType(), cts[0],
                                          getInput(), getKernelAttr(), getStridesAttr(),
                                          getPaddingAttr()));
  return success();
}

LogicalResult AvgPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(b.create<AvgPool2DGradOp>(getLoc(), getInput().getType(), cts[0],
                                          getInput(), getKernelAttr(), getStridesAttr(),
                                          getPaddingAttr(), getCountIncludePadAttr()));
  return success();
}
