//===- Model.cpp - A .dl model's entry points and training ----------------===//
//
// The model's body runs once per entry point: `forward` over its inputs,
// and, with a `train` section, `loss` over the inputs and labels with the
// parameters only referenced. The optimizer and regularizer settings
// become dl.optimizer with Keras's names and defaults; its verifier checks
// the hyperparameters.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::ast;
using namespace dlc::frontend;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

bool MLIRGenImpl::genModel(const ModelDecl &model) {
  // Inputs first, so that the signature is known before the body runs.
  std::vector<std::pair<const InputStmt *, llvm::SMLoc>> inputs;
  for (const Stmt &s : model.body)
    if (auto *in = std::get_if<InputStmt>(&s.node))
      inputs.push_back({in, s.loc});
  std::vector<std::pair<const InputStmt *, llvm::SMLoc>> labels;
  if (model.train)
    for (size_t i = 0; i < model.train->labels.size(); ++i)
      labels.push_back({&model.train->labels[i], model.train->labelLocs[i]});
  for (auto &list : {inputs, labels})
    for (auto &[in, l] : list)
      for (const DimSpec &d : in->type.dims)
        if (auto *n = std::get_if<std::string>(&d.value))
          modelDims.insert(*n);
  if (inputs.empty())
    return report(model.loc, "model '" + model.name + "' has no 'input'");

  auto genEntry = [&](StringRef entry, bool withLabels)
      -> std::optional<std::vector<std::pair<std::string, Val>>> {
    scopes.assign(1, Scope());
    usedLayerNames.clear();
    std::vector<std::pair<const InputStmt *, llvm::SMLoc>> args = inputs;
    if (withLabels)
      args.insert(args.end(), labels.begin(), labels.end());
    SmallVector<Type> argTypes;
    std::vector<TensorShape> shapes;
    std::set<std::string> seen;
    for (auto &[in, l] : args) {
      if (!seen.insert(in->name).second)
        return fail(l, "input '" + in->name + "' is defined twice");
      auto shape = resolveType(in->type, /*bindDims=*/true);
      if (!shape)
        return std::nullopt;
      shapes.push_back(*shape);
      argTypes.push_back(shape->toType(&ctx));
    }
    auto fn = builder.create<func::FuncOp>(
        loc(model.loc), entry, builder.getFunctionType(argTypes, {}));
    fn->setAttr(dl::DLDialect::kEntryAttrName, builder.getStringAttr(entry));
    for (auto [i, arg] : llvm::enumerate(args)) {
      SmallVector<Attribute> dims;
      for (const Dim &d : shapes[i].dims)
        dims.push_back(d.isStatic() ? (Attribute)builder.getI64IntegerAttr(d.size)
                                    : (Attribute)builder.getStringAttr(d.symbol));
      fn.setArgAttr(i, dl::DLDialect::kNameAttrName,
                    builder.getStringAttr(arg.first->name));
      fn.setArgAttr(i, dl::DLDialect::kDimsAttrName, builder.getArrayAttr(dims));
    }
    Block *body = fn.addEntryBlock();
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(body);
    for (auto [i, arg] : llvm::enumerate(args))
      scopes.back().vars[arg.first->name] =
          tensorVal(body->getArgument(i), shapes[i], arg.second);
    std::vector<std::pair<std::string, Val>> outputs;
    if (!runStatements(model.body, &outputs, nullptr))
      return std::nullopt;
    return outputs;
  };

  builder.setInsertionPointToEnd(module.getBody());
  auto outputs = genEntry("forward", false);
  if (!outputs || locator.getNumErrors())
    return false;
  if (outputs->empty())
    return report(model.loc, "model '" + model.name + "' has no 'output'");
  auto forward = cast<func::FuncOp>(module.getBody()->back());
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(&forward.getBody().front());
    SmallVector<Value> results;
    for (auto &[_, v] : *outputs)
      results.push_back(v.value);
    builder.create<func::ReturnOp>(loc(model.loc), results);
    forward.setFunctionType(builder.getFunctionType(
        forward.getArgumentTypes(), ValueRange(results).getTypes()));
    for (auto [i, out] : llvm::enumerate(*outputs)) {
      forward.setResultAttr(i, dl::DLDialect::kNameAttrName,
                            builder.getStringAttr(out.first));
      SmallVector<Attribute> dims;
      for (const Dim &d : out.second.shape.dims)
        dims.push_back(d.isStatic() ? (Attribute)builder.getI64IntegerAttr(d.size)
                                    : (Attribute)builder.getStringAttr(
                                          d.isNamed() ? d.symbol : "?"));
      forward.setResultAttr(i, dl::DLDialect::kDimsAttrName,
                            builder.getArrayAttr(dims));
    }
  }
  if (!model.train)
    return true;

  // The loss entry point: the body again, then the loss over outputs/labels.
  declareParams = false;
  builder.setInsertionPointToEnd(module.getBody());
  auto lossOutputs = genEntry("loss", true);
  declareParams = true;
  if (!lossOutputs)
    return false;
  auto lossFn = cast<func::FuncOp>(module.getBody()->back());
  const SettingStmt *lossSetting = nullptr;
  llvm::SMLoc lossLoc;
  for (const Stmt &s : model.train->settings) {
    auto &setting = std::get<SettingStmt>(s.node);
    if (setting.key == "loss") {
      if (lossSetting)
        return report(s.loc, "'loss' is set twice");
      lossSetting = &setting;
      lossLoc = s.loc;
    }
  }
  if (!lossSetting)
    return report(model.train->loc, "the 'train' section needs a 'loss'");
  for (auto &[name, v] : *lossOutputs)
    scopes.back().vars[name] = v;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(&lossFn.getBody().front());
  auto lossVal = eval(*lossSetting->value);
  if (!lossVal)
    return false;
  if (!lossVal->isTensor() || lossVal->shape.rank() != 0 ||
      !isFloat(lossVal->shape.dtype))
    return report(lossSetting->value->getLoc(),
                      "the loss must be a floating-point scalar, got " +
                          (lossVal->isTensor() ? lossVal->shape.str()
                                               : kindName(lossVal->kind).str()));
  builder.create<func::ReturnOp>(loc(lossLoc), lossVal->value);
  lossFn.setFunctionType(builder.getFunctionType(lossFn.getArgumentTypes(),
                                                 lossVal->value.getType()));
  lossFn.setResultAttr(0, dl::DLDialect::kNameAttrName,
                       builder.getStringAttr("loss"));
  return genOptimizer(*model.train);
}

bool MLIRGenImpl::genOptimizer(const TrainSection &train) {
  const Stmt *optStmt = nullptr, *regStmt = nullptr;
  for (const Stmt &s : train.settings) {
    auto &setting = std::get<SettingStmt>(s.node);
    if (setting.key == "loss")
      continue; // handled by genModel
    const Stmt *&slot = setting.key == "optimizer" ? optStmt : regStmt;
    if (slot)
      return report(s.loc, "'" + setting.key + "' is set twice");
    slot = &s;
  }
  if (!optStmt)
    return report(train.loc, "the 'train' section needs an 'optimizer'");

  // Hyperparameters as Keras names them, with Keras's defaults.
  struct Spec {
    dl::OptimizerKind kind;
    std::map<std::string, double> defaults;
  };
  static const std::map<std::string, Spec> optimizers = {
      {"sgd", {dl::OptimizerKind::sgd,
               {{"learning_rate", 0.01}, {"momentum", 0.0}, {"nesterov", 0}}}},
      {"adam", {dl::OptimizerKind::adam,
                {{"learning_rate", 0.001}, {"beta_1", 0.9}, {"beta_2", 0.999},
                 {"epsilon", 1e-7}}}},
      {"adamw", {dl::OptimizerKind::adamw,
                 {{"learning_rate", 0.001}, {"beta_1", 0.9}, {"beta_2", 0.999},
                  {"epsilon", 1e-7}, {"weight_decay", 0.004}}}},
  };

  const Expr &optExpr = *std::get<SettingStmt>(optStmt->node).value;
  std::string optName;
  const std::vector<Argument> *optArgs = nullptr;
  if (auto *call = dyn_cast<CallExpr>(&optExpr)) {
    optName = call->getCallee().str();
    optArgs = &call->getArgs();
  } else if (auto *id = dyn_cast<IdentExpr>(&optExpr)) {
    optName = id->getName().str();
  } else {
    return report(optExpr.getLoc(),
                      "optimizer must be sgd(...), adam(...) or adamw(...)");
  }
  auto spec = optimizers.find(optName);
  if (spec == optimizers.end())
    return report(optExpr.getLoc(),
                      "unknown optimizer '" + optName + "'" +
                          didYouMean(optName, {"sgd", "adam", "adamw"}));
  std::map<std::string, double> values = spec->second.defaults;
  std::vector<std::string> keys;
  for (auto &[k, _] : values)
    keys.push_back(k);
  if (optArgs) {
    std::set<std::string> given;
    for (const Argument &arg : *optArgs) {
      if (arg.keyword.empty())
        return report(arg.loc, optName + ": pass hyperparameters by name, "
                                             "e.g. learning_rate=0.001");
      if (!values.count(arg.keyword))
        return report(arg.loc, optName + ": unknown hyperparameter '" +
                                       arg.keyword + "'" +
                                       didYouMean(arg.keyword, keys));
      if (!given.insert(arg.keyword).second)
        return report(arg.loc, optName + ": '" + arg.keyword +
                                       "' is given twice");
      auto v = eval(*arg.value);
      if (!v)
        return false;
      if (arg.keyword == "nesterov") {
        if (v->kind != Val::Kind::Bool)
          return report(arg.loc, "sgd: 'nesterov' must be true or false");
        values[arg.keyword] = v->b;
        continue;
      }
      auto n = asNumber(&*v, optName + ": '" + arg.keyword + "'", arg.loc);
      if (!n)
        return false;
      values[arg.keyword] = *n;
    }
  }
  double l2 = 0;
  if (regStmt) {
    const Expr &reg = *std::get<SettingStmt>(regStmt->node).value;
    auto *call = dyn_cast<CallExpr>(&reg);
    if (!call || call->getCallee() != "l2" || call->getArgs().size() != 1)
      return report(reg.getLoc(), "regularizer must be l2(factor)");
    auto v = eval(*call->getArgs()[0].value);
    if (!v)
      return false;
    auto n = asNumber(&*v, "l2 factor", reg.getLoc());
    if (!n)
      return false;
    if (*n < 0)
      return report(reg.getLoc(), "l2 factor must not be negative");
    l2 = *n;
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto opt = builder.create<dl::OptimizerOp>(
      loc(optStmt->loc), dl::OptimizerKindAttr::get(&ctx, spec->second.kind),
      builder.getF64FloatAttr(values["learning_rate"]),
      builder.getF64FloatAttr(values.count("momentum") ? values["momentum"] : 0),
      values.count("nesterov") && values["nesterov"] ? builder.getUnitAttr()
                                                     : UnitAttr(),
      builder.getF64FloatAttr(values.count("beta_1") ? values["beta_1"] : 0.9),
      builder.getF64FloatAttr(values.count("beta_2") ? values["beta_2"] : 0.999),
      builder.getF64FloatAttr(values.count("epsilon") ? values["epsilon"] : 1e-7),
      builder.getF64FloatAttr(values.count("weight_decay") ? values["weight_decay"]
                                                          : 0.0),
      builder.getF64FloatAttr(l2));
  if (failed(mlir::verify(opt)))
    return false;
  return true;
}
