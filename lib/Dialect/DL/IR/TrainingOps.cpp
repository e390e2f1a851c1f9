//===- TrainingOps.cpp - Dropout and optimizer updates --------------------===//
//
// Verifier, folder and VJPs of dropout and dropout_mask (DLTrainingOps.td);
// the optimizer updates need no C++ beyond their ODS definitions.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

LogicalResult DropoutOp::verify() {
  double r = getRate().convertToDouble();
  if (!(r >= 0 && r < 1))
    return emitOpError("rate must be in [0, 1), got ") << r;
  return success();
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getRate().convertToDouble() == 0)
    return getInput();
  return {};
}

LogicalResult DropoutOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                  SmallVectorImpl<Value> &out) {
  // Inference form: the identity. (Training rewrites dropout into a mask
  // product before differentiation.)
  out.push_back(cts[0]);
  return success();
}

LogicalResult DropoutMaskOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                      SmallVectorImpl<Value> &out) {
  // The mask depends on the input's shape only.
  out.append({Value(), Value()});
  return success();
}
