//===- Expressions.cpp - Evaluating .dl expressions and calls -------------===//
//
// Expressions evaluate to compile-time values (Values.h): arithmetic on
// numbers folds, on tensors it builds broadcasting dl ops. A call binds its
// arguments to the callee's signature (positional, then keywords, with
// "did you mean" for unknown ones) and runs a built-in's handler or inlines
// a user function, unifying its declared parameter dims with the
// arguments' so that shape errors name the dims the user wrote.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::ast;
using namespace dlc::frontend;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

std::optional<Val> MLIRGenImpl::eval(const Expr &e, StringRef nameHint) {
  Val v;
  v.loc = e.getLoc();
  switch (e.getKind()) {
  case Expr::Kind::Number: {
    auto &n = cast<NumberExpr>(e);
    if (n.isInteger()) {
      v.kind = Val::Kind::Int;
      v.i = n.getInt();
    } else {
      v.kind = Val::Kind::Float;
      v.f = n.getValue();
    }
    return v;
  }
  case Expr::Kind::Bool:
    v.kind = Val::Kind::Bool;
    v.b = cast<BoolExpr>(e).getValue();
    return v;
  case Expr::Kind::None:
    return v;
  case Expr::Kind::String:
    v.kind = Val::Kind::String;
    v.s = cast<StringExpr>(e).getValue().str();
    return v;
  case Expr::Kind::Ident:
    return evalIdent(cast<IdentExpr>(e));
  case Expr::Kind::List: {
    v.kind = Val::Kind::List;
    for (const ExprPtr &x : cast<ListExpr>(e).getElements()) {
      auto ev = eval(*x);
      if (!ev)
        return std::nullopt;
      v.list.push_back(std::move(*ev));
    }
    return v;
  }
  case Expr::Kind::Unary: {
    auto &u = cast<UnaryExpr>(e);
    auto x = eval(u.getOperand());
    if (!x)
      return std::nullopt;
    if (x->kind == Val::Kind::Int) {
      x->i = -x->i;
      return x;
    }
    if (x->kind == Val::Kind::Float) {
      x->f = -x->f;
      return x;
    }
    if (!x->isTensor())
      return fail(e.getLoc(), "cannot negate " + kindName(x->kind));
    if (!isFloat(x->shape.dtype))
      return fail(e.getLoc(), "neg: expects a floating-point tensor, got " +
                                  x->shape.str());
    return build<dl::NegOp>(e.getLoc(), x->shape, x->value);
  }
  case Expr::Kind::Binary:
    return evalBinary(cast<BinaryExpr>(e));
  case Expr::Kind::Call:
    return evalCall(cast<CallExpr>(e), nameHint);
  }
  return std::nullopt;
}

std::optional<Val> MLIRGenImpl::evalIdent(const IdentExpr &e) {
  std::string name = e.getName().str();
  Scope &scope = scopes.back();
  auto it = scope.vars.find(name);
  if (it != scope.vars.end()) {
    Val v = it->second;
    return v;
  }
  if (scope.poisoned.count(name))
    return std::nullopt; // its definition already reported an error
  Val v;
  v.loc = e.getLoc();
  auto dimIt = scope.dimVars.find(name);
  if (dimIt != scope.dimVars.end() || modelDims.count(name)) {
    v.kind = dimIt != scope.dimVars.end() && dimIt->second.isStatic()
                 ? Val::Kind::Int
                 : Val::Kind::Dim;
    v.dim = dimIt != scope.dimVars.end() ? dimIt->second : Dim::named(name);
    v.i = v.dim.size;
    return v;
  }
  if (builtins.contains(name) || functions.count(name)) {
    v.kind = Val::Kind::Func;
    v.s = name;
    return v;
  }
  std::vector<std::string> candidates;
  for (auto &[k, _] : scope.vars)
    candidates.push_back(k);
  for (auto &d : modelDims)
    candidates.push_back(d);
  for (std::string &c : callableNames())
    candidates.push_back(std::move(c));
  return fail(e.getLoc(),
              "unknown name '" + name + "'" + didYouMean(name, candidates));
}

std::optional<Val> MLIRGenImpl::elementwise(char op, Val lhs, Val rhs,
                                            llvm::SMLoc l) {
  // Constant arithmetic on numbers, e.g. `num_heads * key_dim`.
  if (lhs.isNumber() && rhs.isNumber()) {
    Val r;
    r.loc = l;
    if (lhs.kind == Val::Kind::Int && rhs.kind == Val::Kind::Int && op != '/') {
      r.kind = Val::Kind::Int;
      r.i = op == '+' ? lhs.i + rhs.i : op == '-' ? lhs.i - rhs.i : lhs.i * rhs.i;
      return r;
    }
    r.kind = Val::Kind::Float;
    double a = lhs.number(), b = rhs.number();
    r.f = op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b;
    return r;
  }
  StringRef opName = op == '+' ? "add" : op == '-' ? "sub" : op == '*' ? "mul" : "div";
  DType dtype = lhs.isTensor() ? lhs.shape.dtype
                               : rhs.isTensor() ? rhs.shape.dtype : DType::F32;
  auto a = asTensor(lhs, (opName + ": left operand").str(), l, dtype);
  auto b = asTensor(rhs, (opName + ": right operand").str(), l, dtype);
  if (!a || !b)
    return std::nullopt;
  if (a->shape.dtype != b->shape.dtype)
    return fail(l, opName + ": operands differ in element type: " +
                       a->shape.str() + " and " + b->shape.str() +
                       " (use cast())");
  auto shape = inferBroadcastShape(a->shape, b->shape, shapeErr(l, opName));
  if (failed(shape))
    return std::nullopt;
  switch (op) {
  case '+': return build<dl::AddOp>(l, *shape, a->value, b->value);
  case '-': return build<dl::SubOp>(l, *shape, a->value, b->value);
  case '*': return build<dl::MulOp>(l, *shape, a->value, b->value);
  default: return build<dl::DivOp>(l, *shape, a->value, b->value);
  }
}

std::optional<Val> MLIRGenImpl::evalBinary(const BinaryExpr &e) {
  auto lhs = eval(e.getLhs());
  if (!lhs)
    return std::nullopt;
  auto rhs = eval(e.getRhs());
  if (!rhs)
    return std::nullopt;
  if (e.getOp() != '@')
    return elementwise(e.getOp(), *lhs, *rhs, e.getLoc());
  return callByName("matmul", {*lhs, *rhs}, e.getLoc());
}

bool MLIRGenImpl::bindArgs(Args &out, const Builtin &b,
                           std::vector<std::pair<std::string, Val>> &args) {
  size_t pos = 0;
  for (auto &[kw, v] : args) {
    std::string key = kw;
    if (key.empty()) {
      if (pos >= b.params.size()) {
        error(v.loc) << out.callee << ": too many arguments (takes at most "
                     << b.params.size() << ")";
        return false;
      }
      key = b.params[pos++];
    } else if (!llvm::is_contained(b.params, key)) {
      error(v.loc) << out.callee << ": unknown argument '" << key << "'"
                   << didYouMean(key, b.params);
      return false;
    }
    if (out.values.count(key)) {
      error(v.loc) << out.callee << ": argument '" << key
                   << "' is given twice";
      return false;
    }
    out.values[key] = v;
  }
  for (const std::string &r : b.required)
    if (!out.has(r)) {
      error(out.loc) << out.callee << ": missing argument '" << r << "'";
      return false;
    }
  return true;
}

std::optional<Val> MLIRGenImpl::callByName(StringRef name,
                                           std::vector<Val> positional,
                                           llvm::SMLoc l) {
  const Builtin *b = builtins.lookup(name);
  if (!b)
    return fail(l, "unknown function '" + name + "'");
  std::vector<std::pair<std::string, Val>> args;
  for (Val &v : positional)
    args.push_back({"", std::move(v)});
  Args a;
  a.callee = b->name;
  a.loc = l;
  if (!bindArgs(a, *b, args))
    return std::nullopt;
  return b->handler(*this, a);
}

std::optional<Val> MLIRGenImpl::evalCall(const CallExpr &e, StringRef nameHint) {
  std::vector<std::pair<std::string, Val>> args;
  for (const Argument &arg : e.getArgs()) {
    auto v = eval(*arg.value);
    if (!v)
      return std::nullopt;
    v->loc = arg.value->getLoc(); // errors point at the argument
    args.push_back({arg.keyword, std::move(*v)});
  }
  StringRef name = e.getCallee();
  if (auto fn = functions.find(name); fn != functions.end())
    return callFunction(*fn->second, e, args, nameHint);
  const Builtin *b = builtins.lookup(name);
  if (!b)
    return fail(e.getLoc(), "unknown function '" + name + "'" +
                                didYouMean(name.str(), callableNames()));
  Args a;
  a.callee = b->name;
  a.loc = e.getLoc();
  a.nameHint = nameHint.str();
  if (!bindArgs(a, *b, args))
    return std::nullopt;
  return b->handler(*this, a);
}

std::vector<std::string> MLIRGenImpl::callableNames() const {
  std::vector<std::string> names = builtins.names();
  for (auto &f : functions)
    names.push_back(f.getKey().str());
  return names;
}

std::optional<Val>
MLIRGenImpl::callFunction(const FunctionDecl &fn, const CallExpr &call,
                          std::vector<std::pair<std::string, Val>> &args,
                          StringRef nameHint) {
  if (llvm::is_contained(callStack, fn.name))
    return fail(call.getLoc(), "recursive call to '" + fn.name +
                                   "' (functions are inlined, so they cannot "
                                   "call themselves)");
  if (callStack.size() >= 64)
    return fail(call.getLoc(), "function calls nested too deeply");
  // Bind arguments to parameters.
  std::vector<std::string> names;
  for (const FunctionParam &p : fn.params)
    names.push_back(p.name);
  Builtin sig{fn.name, names, names, nullptr};
  Args a;
  a.callee = fn.name;
  a.loc = call.getLoc();
  if (!bindArgs(a, sig, args))
    return std::nullopt;

  Scope scope;
  Args hint;
  hint.nameHint = nameHint.str();
  scope.prefix = *layerName(hint, fn.name) + "."; // no explicit name
  scopes.push_back(std::move(scope));
  callStack.push_back(fn.name);
  auto cleanup = llvm::make_scope_exit([&] {
    scopes.pop_back();
    callStack.pop_back();
  });
  for (const FunctionParam &p : fn.params) {
    Val v = a.values[p.name];
    if (p.type) {
      if (!v.isTensor())
        return fail(v.loc, "argument '" + p.name + "' of '" + fn.name +
                               "' must be a tensor, got " + kindName(v.kind));
      // Unify the declared dims with the argument's, binding dim names.
      auto &dimVars = scopes.back().dimVars;
      bool ok = p.type->dims.size() == v.shape.dims.size();
      for (size_t i = 0; ok && i < p.type->dims.size(); ++i) {
        const DimSpec &d = p.type->dims[i];
        const Dim &actual = v.shape.dims[i];
        if (auto *n = std::get_if<int64_t>(&d.value)) {
          ok = dimsCompatible(Dim::fixed(*n), actual);
        } else {
          const std::string &sym = std::get<std::string>(d.value);
          auto [it, inserted] = dimVars.insert({sym, actual});
          ok = inserted || dimsCompatible(it->second, actual);
        }
      }
      auto declared = resolveType(*p.type, /*bindDims=*/true);
      if (!ok || !declared || declared->dtype != v.shape.dtype) {
        std::string written = p.type->dtype + "[";
        for (auto [i, d] : llvm::enumerate(p.type->dims))
          written += (i ? "," : "") +
                     (std::holds_alternative<int64_t>(d.value)
                          ? std::to_string(std::get<int64_t>(d.value))
                          : std::get<std::string>(d.value));
        return fail(v.loc, "argument '" + p.name + "' of '" + fn.name +
                               "' is " + v.shape.str() +
                               ", which does not match its declared type " +
                               written + "]");
      }
    }
    scopes.back().vars[p.name] = v;
  }
  std::optional<Val> result;
  if (!runStatements(fn.body, nullptr, &result))
    return std::nullopt;
  if (!result)
    return fail(fn.loc, "function '" + fn.name + "' has no 'return'");
  if (fn.resultType) {
    auto declared = resolveType(*fn.resultType, /*bindDims=*/false);
    if (!declared)
      return std::nullopt;
    bool ok = result->isTensor() && declared->dtype == result->shape.dtype &&
              declared->rank() == result->shape.rank();
    for (int64_t i = 0; ok && i < declared->rank(); ++i)
      ok = dimsCompatible(declared->dims[i], result->shape.dims[i]);
    if (!ok)
      return fail(fn.resultType->loc,
                  "'" + fn.name + "' returns " +
                      (result->isTensor() ? result->shape.str()
                                          : kindName(result->kind).str()) +
                      ", not its declared " + declared->str());
  }
  result->loc = call.getLoc();
  return result;
}

std::optional<Val> MLIRGenImpl::applyActivation(const Val &act, Val x, llvm::SMLoc l) {
  if (act.kind == Val::Kind::None)
    return x;
  std::string name = act.s;
  if (act.kind != Val::Kind::String && act.kind != Val::Kind::Func)
    return fail(act.loc, "activation must be a function name, got " +
                             kindName(act.kind));
  if (name == "linear")
    return x;
  static const std::vector<std::string> known = {
      "relu", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", "linear"};
  if (functions.count(name)) {
    // A user function of one tensor.
    const FunctionDecl &fn = *functions[name];
    std::vector<std::pair<std::string, Val>> args = {{"", x}};
    CallExpr call(l, name, {});
    return callFunction(fn, call, args, "");
  }
  if (!llvm::is_contained(known, name))
    return fail(act.loc, "unknown activation '" + name + "'" +
                             didYouMean(name, known));
  return callByName(name, {x}, l);
}
