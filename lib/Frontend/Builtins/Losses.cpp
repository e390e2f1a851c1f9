//===- Losses.cpp - Loss built-ins of .dl ---------------------------------===//
//
// Keras's loss names (mse, binary_crossentropy, ...) as dl's scalar loss
// ops, with from_logits where the loss takes it.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;
using llvm::Twine;

/// A loss over (predictions, targets), checked by the loss ops' own rule
/// (verifyLossOperands), with a hint when the two look swapped.
static std::optional<Val> loss(MLIRGenImpl &g, Args &a, LossKind kind) {
  const Val *p = a.get("predictions"), *t = a.get("targets");
  if (!p->isTensor() || !t->isTensor())
    return g.fail(a.loc,
                  a.callee + ": predictions and targets must be tensors");
  std::string msg;
  if (failed(verifyLossOperands(kind, p->shape, t->shape,
                                [&](const Twine &m) { msg = m.str(); }))) {
    if (!isFloat(p->shape.dtype) && isFloat(t->shape.dtype))
      msg += " (the arguments are (predictions, targets), as in PyTorch)";
    return g.fail(a.loc, a.callee + ": " + msg);
  }
  TensorShape scalar{p->shape.dtype, {}};
  auto fromLogits = g.asBool(a, "from_logits", false);
  if (!fromLogits)
    return std::nullopt;
  UnitAttr logits = *fromLogits ? g.builder.getUnitAttr() : UnitAttr();
  switch (kind) {
  case LossKind::MeanSquaredError:
    return g.build<dl::MSELossOp>(a.loc, scalar, p->value, t->value);
  case LossKind::BinaryCrossEntropy:
    return g.build<dl::BinaryCrossEntropyOp>(a.loc, scalar, p->value, t->value,
                                             logits);
  case LossKind::CategoricalCrossEntropy:
    return g.build<dl::CategoricalCrossEntropyOp>(a.loc, scalar, p->value,
                                                  t->value, logits);
  case LossKind::SparseCategoricalCrossEntropy:
    return g.build<dl::SparseCategoricalCrossEntropyOp>(a.loc, scalar, p->value,
                                                        t->value, logits);
  }
  return std::nullopt;
}

void dlc::frontend::registerLossBuiltins(BuiltinRegistry &r) {
  auto addLoss = [&](StringRef name, LossKind kind, bool logits) {
    std::vector<std::string> params = {"predictions", "targets"};
    if (logits)
      params.push_back("from_logits");
    r.add(name, params, {"predictions", "targets"},
          [kind](MLIRGenImpl &g, Args &a) { return loss(g, a, kind); });
  };
  addLoss("mean_squared_error", LossKind::MeanSquaredError, false);
  addLoss("mse", LossKind::MeanSquaredError, false);
  addLoss("binary_crossentropy", LossKind::BinaryCrossEntropy, true);
  addLoss("categorical_crossentropy", LossKind::CategoricalCrossEntropy, true);
  addLoss("sparse_categorical_crossentropy",
          LossKind::SparseCategoricalCrossEntropy, true);
}
