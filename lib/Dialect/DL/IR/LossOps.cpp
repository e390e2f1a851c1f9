//===- LossOps.cpp - Losses and metrics -----------------------------------===//
//
// Shape rule, verifiers and VJPs of the losses, loss_grad and accuracy
// (DLLossOps.td). Every loss shares one rule (inferLossShape, called from the
// ODS class DL_LossOp with the loss's LossKind).
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Shape rules and verifiers
//===----------------------------------------------------------------------===//

FailureOr<TensorShape> dlc::dl::inferLossShape(LossKind kind,
                                              ArrayRef<TensorShape> operands,
                                              ShapeErrorFn emitError) {
  const TensorShape &predictions = operands[0], &targets = operands[1];
  if (failed(verifyLossOperands(kind, predictions, targets, emitError)))
    return failure();
  TensorShape loss;
  loss.dtype = predictions.dtype;
  return loss;
}

static bool isLossKind(StringRef kind) {
  return kind == "mse" || kind == "binary_cross_entropy" ||
         kind == "categorical_cross_entropy" ||
         kind == "sparse_categorical_cross_entropy";
}

LogicalResult LossGradOp::verify() {
  if (!isLossKind(getKind()))
    return emitOpError("unknown loss kind '") << getKind() << "'";
  Value wrt = getWrtTargets() ? getTargets() : getPredictions();
  if (wrt.getType() != getType())
    return emitOpError("result type ") << getType() << " must be the "
                                       << (getWrtTargets() ? "targets'" : "predictions'")
                                       << " type " << wrt.getType();
  return success();
}

LogicalResult AccuracyOp::verify() {
  if (!isLossKind(getKind()) || getKind() == "mse")
    return emitOpError("accuracy needs a classification loss kind, got '")
           << getKind() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

#define DL_LOSS_VJP(OP, KIND, LOGITS)                                          \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    out.push_back(b.create<LossGradOp>(getLoc(), getPredictions().getType(),   \
                                       KIND, getPredictions(), getTargets(),   \
                                       cts[0], LOGITS, false));                \
    /* Integer labels have no gradient; float targets do. */                   \
    bool floatTargets =                                                        \
        isa<FloatType>(tensorType(getTargets()).getElementType());             \
    out.push_back(floatTargets ? b.create<LossGradOp>(                         \
                                     getLoc(), getTargets().getType(), KIND,   \
                                     getPredictions(), getTargets(), cts[0],   \
                                     LOGITS, true)                             \
                               : Value());                                     \
    return success();                                                          \
  }
DL_LOSS_VJP(MSELossOp, "mse", false)
DL_LOSS_VJP(BinaryCrossEntropyOp, "binary_cross_entropy", getFromLogits())
DL_LOSS_VJP(CategoricalCrossEntropyOp, "categorical_cross_entropy", getFromLogits())
DL_LOSS_VJP(SparseCategoricalCrossEntropyOp, "sparse_categorical_cross_entropy",
            getFromLogits())
#undef DL_LOSS_VJP
