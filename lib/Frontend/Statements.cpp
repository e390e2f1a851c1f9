//===- Statements.cpp - Statements and parameters of .dl bodies -----------===//
//
// `let`, `param`, `output` and `return` run in order in the current scope;
// a failed `let` poisons its name so that later uses do not repeat the
// error. Parameters are declared once (as dl.parameter, in declaration
// order at the top of the module) and referenced through dl.param, with
// unique layer-scoped names that become the checkpoint's tensor names.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::ast;
using namespace dlc::frontend;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

bool MLIRGenImpl::runStatements(
    const std::vector<Stmt> &body,
    std::vector<std::pair<std::string, Val>> *outputs,
    std::optional<Val> *returned) {
  bool ok = true;
  for (const Stmt &stmt : body) {
    if (returned && returned->has_value()) {
      error(stmt.loc) << "statement after 'return'";
      return false;
    }
    if (auto *let = std::get_if<LetStmt>(&stmt.node)) {
      auto v = eval(*let->value, let->name);
      if (!v) {
        ok = false;
        scopes.back().vars.erase(let->name);
        scopes.back().poisoned.insert(let->name);
        continue;
      }
      scopes.back().poisoned.erase(let->name);
      scopes.back().vars[let->name] = std::move(*v);
    } else if (auto *p = std::get_if<ParamStmt>(&stmt.node)) {
      auto shape = resolveType(p->type, /*bindDims=*/false);
      auto init = eval(*p->initializer);
      if (!shape || !init) {
        ok = false;
        continue;
      }
      if (init->kind == Val::Kind::Func && builtins.contains(init->s))
        init = callByName(init->s, {}, init->loc);
      if (!init || init->kind != Val::Kind::Init) {
        if (init)
          error(p->initializer->getLoc())
              << "parameter '" << p->name
              << "' needs an initializer such as zeros, normal(stddev=0.01) "
                 "or glorot_uniform, got "
              << kindName(init->kind);
        ok = false;
        continue;
      }
      auto v = param(scopes.back().prefix + p->name, *shape, *init, stmt.loc);
      if (!v) {
        ok = false;
        continue;
      }
      scopes.back().vars[p->name] = *v;
    } else if (auto *out = std::get_if<OutputStmt>(&stmt.node)) {
      auto v = eval(*out->value, out->name);
      if (!v) {
        ok = false;
        continue;
      }
      std::string name = out->name;
      if (name.empty()) {
        if (auto *id = dyn_cast<IdentExpr>(out->value.get()))
          name = id->getName().str();
        else
          name = "output" + (outputs->empty()
                                 ? std::string()
                                 : "_" + std::to_string(outputs->size()));
      }
      if (!v->isTensor()) {
        error(stmt.loc) << "output '" << name << "' must be a tensor, got "
                        << kindName(v->kind);
        ok = false;
        continue;
      }
      for (auto &[n, _] : *outputs)
        if (n == name) {
          error(stmt.loc) << "output '" << name << "' is defined twice";
          ok = false;
        }
      if (!out->name.empty())
        scopes.back().vars[out->name] = *v;
      outputs->push_back({name, *v});
    } else if (auto *ret = std::get_if<ReturnStmt>(&stmt.node)) {
      auto v = eval(*ret->value);
      if (!v)
        return false;
      *returned = std::move(*v);
    } else if (std::holds_alternative<InputStmt>(stmt.node)) {
      continue; // bound before the body runs
    }
  }
  return ok;
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

std::optional<std::string> MLIRGenImpl::layerName(const Args &a,
                                                  StringRef kind) {
  std::string prefix = scopes.empty() ? "" : scopes.back().prefix;
  std::string base = a.nameHint.empty() ? kind.str() : a.nameHint;
  if (const Val *n = a.get("name")) {
    // An explicit name is the parameters' name in checkpoints: two layers
    // with one name would silently get two sets of weights, so it is an
    // error, as in Keras.
    if (n->kind != Val::Kind::String || n->s.empty())
      return fail(n->loc, a.callee + ": 'name' must be a non-empty string, got " +
                              (n->kind == Val::Kind::String
                                   ? StringRef("an empty one")
                                   : kindName(n->kind)));
    if (usedLayerNames.count(prefix + n->s))
      return fail(n->loc, a.callee + ": the layer name '" + n->s +
                              "' is already used; layer names must be "
                              "unique (share a layer by calling it once "
                              "and reusing its result)");
    base = n->s;
  }
  std::string name = base;
  for (int i = 1; usedLayerNames.count(prefix + name); ++i)
    name = base + "_" + std::to_string(i);
  usedLayerNames.insert(prefix + name);
  return prefix + name;
}

std::optional<Val> MLIRGenImpl::param(StringRef name, const TensorShape &shape,
                                      const Val &init, llvm::SMLoc l,
                                      bool nonTrainable) {
  for (const Dim &d : shape.dims)
    if (!d.isStatic())
      return fail(l, "parameter '" + name + "' must have a static shape, got " +
                         shape.str());
  if (!isFloat(shape.dtype))
    return fail(l, "parameter '" + name + "' must be floating point, got " +
                       shape.str());
  if (!checkLimits(shape, l, "parameter '" + name + "'"))
    return std::nullopt;
  auto type = shape.toType(&ctx);
  if (declareParams) {
    if (declaredParams.count(name.str()))
      return fail(l, "parameter '" + name + "' is defined twice");
    declaredParams[name.str()] = shape;
    OpBuilder::InsertionGuard guard(builder);
    if (lastParam)
      builder.setInsertionPointAfter(lastParam);
    else
      builder.setInsertionPointToStart(module.getBody());
    auto f64 = [&](std::optional<double> v) -> FloatAttr {
      return v ? builder.getF64FloatAttr(*v) : FloatAttr();
    };
    auto decl = builder.create<dl::ParameterOp>(
        loc(l), builder.getStringAttr(name), TypeAttr::get(type),
        dl::InitializerAttr::get(&ctx, init.init),
        nonTrainable ? builder.getUnitAttr() : UnitAttr(), /*state=*/UnitAttr(),
        f64(init.initValue),
        f64(init.mean), f64(init.stddev), f64(init.minval), f64(init.maxval));
    lastParam = decl;
  }
  auto ref = builder.create<dl::ParamOp>(
      loc(l), type, SymbolRefAttr::get(&ctx, name));
  return tensorVal(ref, shape, l);
}

std::optional<Val> MLIRGenImpl::initializerArg(const Args &a, StringRef key,
                                               dl::Initializer dflt) {
  const Val *v = a.get(key);
  if (!v)
    return initVal(dflt);
  if (v->kind == Val::Kind::Init)
    return *v;
  if (v->kind == Val::Kind::String || v->kind == Val::Kind::Func) {
    if (auto k = dl::symbolizeInitializer(v->s))
      return initVal(*k);
  }
  std::vector<std::string> names;
  for (int i = 0; i <= (int)dl::getMaxEnumValForInitializer(); ++i)
    names.push_back(dl::stringifyInitializer((dl::Initializer)i).str());
  return fail(v->loc, a.callee + ": '" + key +
                          "' must be an initializer such as glorot_uniform" +
                          (v->kind == Val::Kind::String
                               ? didYouMean(v->s, names)
                               : std::string()));
}
