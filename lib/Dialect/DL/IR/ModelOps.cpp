//===- ModelOps.cpp - Constants, parameters, the optimizer record ---------===//
//
// Verifiers and folders of the ops that hold the model's data and interface
// (DLModelOps.td): constants, parameter declarations, their reads and writes,
// and the optimizer record. None of them has a shape rule or a VJP.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

//===----------------------------------------------------------------------===//
// ConstantOp, ParameterOp, ParamOp, OptimizerOp, AssignOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::verify() {
  if (!getType().hasStaticShape())
    return emitOpError("must have a static shape, got ") << getType();
  return success();
}

LogicalResult ParameterOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError("parameter '")
           << getSymName() << "' must have a static shape, got " << type;
  if (std::string why = tensorLimitViolation(TensorShape::fromType(type));
      !why.empty())
    return emitOpError("parameter '") << getSymName() << "': " << why;
  Initializer init = getInitializer();
  if (init == Initializer::constant && !getValue())
    return emitOpError("initializer 'constant' needs a 'value'");
  if (auto s = getStddev(); s && !(s->convertToDouble() > 0))
    return emitOpError("'stddev' must be positive, got ")
           << s->convertToDouble();
  if (getMinval() || getMaxval()) {
    double lo = getMinval() ? getMinval()->convertToDouble() : -0.05;
    double hi = getMaxval() ? getMaxval()->convertToDouble() : 0.05;
    if (!(lo < hi))
      return emitOpError("'minval' (") << lo << ") must be below 'maxval' ("
                                       << hi << ")";
  }
  bool fanBased = init == Initializer::glorot_uniform ||
                  init == Initializer::glorot_normal ||
                  init == Initializer::he_normal ||
                  init == Initializer::he_uniform ||
                  init == Initializer::lecun_normal ||
                  init == Initializer::lecun_uniform;
  if (fanBased && type.getRank() < 1)
    return emitOpError("initializer '")
           << stringifyInitializer(init)
           << "' needs a tensor of rank >= 1 to compute its fans, got "
           << type;
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl = symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this,
                                                               getNameAttr());
  if (!decl)
    return emitOpError("'") << getName() << "' is not a dl.parameter";
  if (decl.getTensorType() != getType())
    return emitOpError("type ")
           << getType() << " does not match parameter '" << getName()
           << "' of type " << decl.getTensorType();
  return success();
}

LogicalResult OptimizerOp::verify() {
  auto positive = [&](StringRef name, double v) -> LogicalResult {
    if (!(v > 0) || !std::isfinite(v))
      return emitOpError("'") << name << "' must be positive, got " << v;
    return success();
  };
  auto unit = [&](StringRef name, double v) -> LogicalResult {
    if (!(v >= 0 && v < 1))
      return emitOpError("'") << name << "' must be in [0, 1), got " << v;
    return success();
  };
  if (failed(positive("learning_rate", getLearningRate().convertToDouble())) ||
      failed(unit("momentum", getMomentum().convertToDouble())) ||
      failed(unit("beta1", getBeta1().convertToDouble())) ||
      failed(unit("beta2", getBeta2().convertToDouble())) ||
      failed(positive("epsilon", getEpsilon().convertToDouble())))
    return failure();
  if (getWeightDecay().convertToDouble() < 0 || getL2().convertToDouble() < 0)
    return emitOpError("'weight_decay' and 'l2' must not be negative");
  if (getNesterov() && getKind() != OptimizerKind::sgd)
    return emitOpError("'nesterov' applies to sgd only");
  if (getNesterov() && getMomentum().convertToDouble() == 0)
    return emitOpError("'nesterov' needs a positive 'momentum'");
  return success();
}

LogicalResult AssignOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param = symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!param)
    return emitOpError("'") << getName() << "' is not a dl.parameter";
  if (param.getType() != getValue().getType())
    return emitOpError("value type ") << getValue().getType()
                                      << " differs from the parameter's "
                                      << param.getType();
  return success();
}
