//===- MLIRGen.cpp - Lowering the .dl AST to the dl dialect ---------------===//

#include "dlc/Frontend/MLIRGen.h"

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"
#include "dlc/Frontend/Diagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

using namespace mlir;
using namespace dlc;
using namespace dlc::ast;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// A compile-time value: a tensor (an SSA value with its symbolic shape) or
/// a constant the language computes with (numbers, lists, strings, dims,
/// function names, initializers).
struct Val {
  enum class Kind { Tensor, Int, Float, Bool, String, None, List, Dim, Func, Init };
  Kind kind = Kind::None;
  SMLoc loc;
  Value value;
  TensorShape shape;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s; // String, Func name
  std::vector<Val> list;
  Dim dim;
  // Init
  dl::Initializer init = dl::Initializer::zeros;
  std::optional<double> initValue, mean, stddev, minval, maxval;

  bool isTensor() const { return kind == Kind::Tensor; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double number() const { return kind == Kind::Int ? (double)i : f; }
};

/// A fractional number as the user would write it: "0.5", "2.0", "1e-07".
std::string formatNumber(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos)
    s += ".0";
  return s;
}

StringRef kindName(Val::Kind k) {
  switch (k) {
  case Val::Kind::Tensor: return "a tensor";
  case Val::Kind::Int: return "an integer";
  case Val::Kind::Float: return "a number";
  case Val::Kind::Bool: return "a boolean";
  case Val::Kind::String: return "a string";
  case Val::Kind::None: return "none";
  case Val::Kind::List: return "a list";
  case Val::Kind::Dim: return "a dimension name";
  case Val::Kind::Func: return "a function";
  case Val::Kind::Init: return "an initializer";
  }
  return "a value";
}

/// Evaluated call arguments, bound to a signature.
struct Args {
  StringRef callee;
  SMLoc loc;
  std::string nameHint; // the `let` name the call is bound to, if any
  std::map<std::string, Val> values;
  bool has(StringRef k) const { return values.count(k.str()); }
  const Val *get(StringRef k) const {
    auto it = values.find(k.str());
    return it == values.end() || it->second.kind == Val::Kind::None
               ? nullptr
               : &it->second;
  }
};

struct Scope {
  std::map<std::string, Val> vars;
  /// Names whose definition failed: uses fail quietly instead of repeating
  /// "unknown name" for one mistake.
  std::set<std::string> poisoned;
  /// Dims bound by a function's parameter types (`x: f32[n, d]`).
  std::map<std::string, Dim> dimVars;
  /// Parameter-name prefix ("block1.") of the function call being expanded.
  std::string prefix;
};

class MLIRGenImpl {
public:
  MLIRGenImpl(MLIRContext &ctx, const llvm::SourceMgr &sm)
      : ctx(ctx), locator(sm, &ctx), builder(&ctx) {}

  OwningOpRef<ModuleOp> gen(const ast::Module &m);

private:
  using Handler = std::function<std::optional<Val>(Args &)>;
  struct Builtin {
    std::vector<std::string> params; // in positional order
    std::vector<std::string> required;
    Handler handler;
  };

  //===--------------------------------------------------------------------===//
  // Diagnostics and helpers
  //===--------------------------------------------------------------------===//

  Location loc(SMLoc l) { return locator.getLoc(l); }
  InFlightDiagnostic error(SMLoc l) { return locator.emitError(l); }
  std::nullopt_t fail(SMLoc l, const Twine &msg) {
    error(l) << msg.str();
    return std::nullopt;
  }
  bool report(SMLoc l, const Twine &msg) {
    error(l) << msg.str();
    return false;
  }
  std::string didYouMean(StringRef name, const std::vector<std::string> &c) {
    std::string m = closestMatch(name, c);
    return m.empty() ? "" : "; did you mean '" + m + "'?";
  }

  std::optional<TensorShape> resolveType(const TypeSpec &t, bool bindDims);
  Val tensorVal(Value v, TensorShape shape, SMLoc l) {
    Val r;
    r.kind = Val::Kind::Tensor;
    r.value = v;
    r.shape = std::move(shape);
    r.loc = l;
    return r;
  }
  template <typename OpTy, typename... Ts>
  Val build(SMLoc l, const TensorShape &shape, Ts &&...args) {
    (void)checkLimits(shape, l, "the result");
    auto op = builder.create<OpTy>(loc(l), shape.toType(&ctx),
                                   std::forward<Ts>(args)...);
    return tensorVal(op->getResult(0), shape, l);
  }
  /// Kernels index tensors with 32-bit integers (Halide): every static dim
  /// and every static element count must be at most 2^31 - 1. Reports the
  /// first violation only, since every later op inherits the shape.
  bool checkLimits(const TensorShape &shape, SMLoc l, const Twine &what);
  bool limitReported = false;
  Val scalarConstant(double v, DType dtype, SMLoc l);
  /// Error reporter for shape functions: "<op>: <message>".
  std::function<void(const Twine &)> shapeErr(SMLoc l, StringRef op) {
    return [this, l, op = op.str()](const Twine &m) {
      error(l) << op << ": " << m.str();
    };
  }

  std::optional<Val> asTensor(const Val &v, StringRef what, SMLoc l,
                              DType like = DType::F32);
  std::optional<int64_t> asInt(const Val *v, StringRef what, SMLoc l);
  std::optional<double> asNumber(const Val *v, StringRef what, SMLoc l);
  std::optional<std::vector<int64_t>> asInts(const Val *v, StringRef what,
                                             SMLoc l, size_t broadcastTo = 0);
  /// The boolean keyword argument `key` of `a`: `dflt` when it is absent, an
  /// error naming the expected kind for anything but true or false (none
  /// included: a boolean has no "unset" value to fall back on).
  std::optional<bool> asBool(const Args &a, StringRef key, bool dflt);

  //===--------------------------------------------------------------------===//
  // Evaluation
  //===--------------------------------------------------------------------===//

  std::optional<Val> eval(const Expr &e, StringRef nameHint = "");
  std::optional<Val> evalIdent(const IdentExpr &e);
  std::optional<Val> evalBinary(const BinaryExpr &e);
  std::optional<Val> evalCall(const CallExpr &e, StringRef nameHint);
  std::optional<Val> callFunction(const FunctionDecl &fn, const CallExpr &call,
                                  std::vector<std::pair<std::string, Val>> &args,
                                  StringRef nameHint);
  std::optional<Val> elementwise(char op, Val lhs, Val rhs, SMLoc l);
  std::optional<Val> applyActivation(const Val &act, Val x, SMLoc l);
  std::optional<Val> callByName(StringRef name, std::vector<Val> positional,
                                SMLoc l);
  bool bindArgs(Args &out, const Builtin &b,
                std::vector<std::pair<std::string, Val>> &args);

  /// Runs `let`/`param`/`output` statements of a body.
  bool runStatements(const std::vector<Stmt> &body,
                     std::vector<std::pair<std::string, Val>> *outputs,
                     std::optional<Val> *returned);

  //===--------------------------------------------------------------------===//
  // Parameters and layers
  //===--------------------------------------------------------------------===//

  /// A unique layer scope name: the `let` name or `kind`, `kind_1`, ...; an
  /// explicit `name=` that is not a new non-empty string is an error.
  std::optional<std::string> layerName(const Args &a, StringRef kind);
  std::optional<Val> param(StringRef name, const TensorShape &shape,
                           const Val &init, SMLoc l, bool nonTrainable = false);
  Val initVal(dl::Initializer k) {
    Val v;
    v.kind = Val::Kind::Init;
    v.init = k;
    return v;
  }
  std::optional<Val> initializerArg(const Args &a, StringRef key,
                                    dl::Initializer dflt);

  void registerBuiltins();
  std::optional<std::vector<int64_t>> padding(const Val *v, const TensorShape &in,
                                              ArrayRef<int64_t> kernel,
                                              ArrayRef<int64_t> strides,
                                              ArrayRef<int64_t> dilation, SMLoc l,
                                              StringRef op);
  std::optional<Val> dense(const Val &x, const Val &w, const Val *b, SMLoc l);
  std::optional<Val> conv(Args &a, const Val &x, const Val &w, const Val *b);
  std::optional<Val> pool(Args &a, bool isMax);
  std::optional<Val> loss(Args &a, LossKind kind);

  bool genModel(const ModelDecl &model);
  bool genOptimizer(const TrainSection &train);

  MLIRContext &ctx;
  SourceLocator locator;
  OpBuilder builder;
  ModuleOp module;
  Operation *lastParam = nullptr;
  llvm::StringMap<const FunctionDecl *> functions;
  llvm::StringMap<Builtin> builtins;
  std::vector<Scope> scopes;
  std::set<std::string> modelDims;
  std::map<std::string, TensorShape> declaredParams;
  std::set<std::string> usedLayerNames;
  std::vector<std::string> callStack;
  /// false while re-running the body for the loss function: parameters are
  /// already declared and are only referenced.
  bool declareParams = true;
};

} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::optional<TensorShape> MLIRGenImpl::resolveType(const TypeSpec &t,
                                                    bool bindDims) {
  TensorShape s;
  s.dtype = llvm::StringSwitch<DType>(t.dtype)
                .Case("f32", DType::F32)
                .Case("f64", DType::F64)
                .Case("f16", DType::F16)
                .Case("bf16", DType::BF16)
                .Case("i32", DType::I32)
                .Case("i64", DType::I64)
                .Case("bool", DType::I1)
                .Default(DType::Unknown);
  for (const DimSpec &d : t.dims) {
    if (auto *v = std::get_if<int64_t>(&d.value)) {
      s.dims.push_back(Dim::fixed(*v));
      continue;
    }
    const std::string &name = std::get<std::string>(d.value);
    auto &dimVars = scopes.back().dimVars;
    auto it = dimVars.find(name);
    if (it != dimVars.end())
      s.dims.push_back(it->second);
    else if (bindDims)
      s.dims.push_back(Dim::named(name));
    else if (modelDims.count(name))
      s.dims.push_back(Dim::named(name));
    else
      return fail(d.loc, "unknown dimension '" + name + "'");
  }
  if (!checkLimits(s, t.loc, "the type"))
    return std::nullopt;
  return s;
}

bool MLIRGenImpl::checkLimits(const TensorShape &shape, SMLoc l,
                              const Twine &what) {
  std::string why = tensorLimitViolation(shape);
  if (why.empty())
    return true;
  if (!limitReported)
    error(l) << what.str() << " " << why;
  limitReported = true;
  return false;
}

Val MLIRGenImpl::scalarConstant(double v, DType dtype, SMLoc l) {
  TensorShape shape{dtype, {}};
  auto type = shape.toType(&ctx);
  Attribute attr;
  if (isFloat(dtype))
    attr = DenseElementsAttr::get(type, builder.getFloatAttr(type.getElementType(), v));
  else
    attr = DenseElementsAttr::get(
        type, builder.getIntegerAttr(type.getElementType(), (int64_t)v));
  auto op = builder.create<dl::ConstantOp>(loc(l), cast<ElementsAttr>(attr));
  return tensorVal(op, shape, l);
}

std::optional<Val> MLIRGenImpl::asTensor(const Val &v, StringRef what, SMLoc l,
                                         DType like) {
  if (v.isTensor())
    return v;
  if (v.isNumber()) {
    SMLoc at = v.loc.isValid() ? v.loc : l;
    // Element types never convert implicitly: a number combines with an
    // integer or boolean tensor only where it is exactly representable.
    if (like == DType::I1)
      return fail(at, what + ": a number cannot combine with a bool tensor "
                             "(use cast() to convert the tensor first)");
    if (isInteger(like) && v.kind == Val::Kind::Float)
      return fail(at, what + ": the floating-point number " + formatNumber(v.f) +
                          " cannot combine with the " + stringifyDType(like) +
                          " tensor (element types never convert implicitly; "
                          "use cast(x, \"f32\") first)");
    if (like == DType::I32 &&
        (v.i < std::numeric_limits<int32_t>::min() ||
         v.i > std::numeric_limits<int32_t>::max()))
      return fail(at, what + ": the integer " + Twine(v.i) +
                          " does not fit an i32 tensor");
    return scalarConstant(v.number(), like, at);
  }
  return fail(v.loc.isValid() ? v.loc : l,
              what + " must be a tensor, got " + kindName(v.kind));
}

std::optional<int64_t> MLIRGenImpl::asInt(const Val *v, StringRef what,
                                          SMLoc l) {
  if (!v || v->kind != Val::Kind::Int)
    return fail(v ? v->loc : l, what + " must be an integer, got " +
                                    (v ? kindName(v->kind) : "nothing"));
  return v->i;
}

std::optional<double> MLIRGenImpl::asNumber(const Val *v, StringRef what,
                                            SMLoc l) {
  if (!v || !v->isNumber())
    return fail(v ? v->loc : l, what + " must be a number, got " +
                                    (v ? kindName(v->kind) : "nothing"));
  return v->number();
}

std::optional<bool> MLIRGenImpl::asBool(const Args &a, StringRef key,
                                        bool dflt) {
  auto it = a.values.find(key.str());
  if (it == a.values.end())
    return dflt;
  const Val &v = it->second;
  if (v.kind != Val::Kind::Bool)
    return fail(v.loc.isValid() ? v.loc : a.loc,
                a.callee + ": '" + key + "' must be true or false, got " +
                    kindName(v.kind));
  return v.b;
}

std::optional<std::vector<int64_t>>
MLIRGenImpl::asInts(const Val *v, StringRef what, SMLoc l, size_t broadcastTo) {
  if (!v)
    return fail(l, what + " is required");
  if (v->kind == Val::Kind::Int && broadcastTo)
    return std::vector<int64_t>(broadcastTo, v->i);
  if (v->kind != Val::Kind::List)
    return fail(v->loc, what + " must be a list of integers, got " +
                            kindName(v->kind));
  std::vector<int64_t> out;
  for (const Val &e : v->list) {
    if (e.kind != Val::Kind::Int)
      return fail(e.loc, what + " must be a list of integers, got " +
                             kindName(e.kind) + " in it");
    out.push_back(e.i);
  }
  if (broadcastTo && out.size() != broadcastTo)
    return fail(v->loc, what + " must have " + Twine(broadcastTo) +
                            " values, got " + Twine(out.size()));
  return out;
}

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
  if (builtins.count(name) || functions.count(name)) {
    v.kind = Val::Kind::Func;
    v.s = name;
    return v;
  }
  std::vector<std::string> candidates;
  for (auto &[k, _] : scope.vars)
    candidates.push_back(k);
  for (auto &d : modelDims)
    candidates.push_back(d);
  for (auto &b : builtins)
    candidates.push_back(b.getKey().str());
  for (auto &f : functions)
    candidates.push_back(f.getKey().str());
  return fail(e.getLoc(),
              "unknown name '" + name + "'" + didYouMean(name, candidates));
}

std::optional<Val> MLIRGenImpl::elementwise(char op, Val lhs, Val rhs,
                                            SMLoc l) {
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
                                           SMLoc l) {
  auto it = builtins.find(name);
  if (it == builtins.end())
    return fail(l, "unknown function '" + name + "'");
  std::vector<std::pair<std::string, Val>> args;
  for (Val &v : positional)
    args.push_back({"", std::move(v)});
  Args a;
  a.callee = it->getKey();
  a.loc = l;
  if (!bindArgs(a, it->second, args))
    return std::nullopt;
  return it->second.handler(a);
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
  auto it = builtins.find(name);
  if (it == builtins.end()) {
    std::vector<std::string> candidates;
    for (auto &b : builtins)
      candidates.push_back(b.getKey().str());
    for (auto &f : functions)
      candidates.push_back(f.getKey().str());
    return fail(e.getLoc(), "unknown function '" + name + "'" +
                                didYouMean(name.str(), candidates));
  }
  Args a;
  a.callee = it->getKey();
  a.loc = e.getLoc();
  a.nameHint = nameHint.str();
  if (!bindArgs(a, it->second, args))
    return std::nullopt;
  return it->second.handler(a);
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
  Builtin sig{names, names, nullptr};
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

std::optional<Val> MLIRGenImpl::applyActivation(const Val &act, Val x, SMLoc l) {
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
      if (init->kind == Val::Kind::Func && builtins.count(init->s))
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
                                      const Val &init, SMLoc l,
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

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

bool MLIRGenImpl::genModel(const ModelDecl &model) {
  // Inputs first, so that the signature is known before the body runs.
  std::vector<std::pair<const InputStmt *, SMLoc>> inputs;
  for (const Stmt &s : model.body)
    if (auto *in = std::get_if<InputStmt>(&s.node))
      inputs.push_back({in, s.loc});
  std::vector<std::pair<const InputStmt *, SMLoc>> labels;
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
    std::vector<std::pair<const InputStmt *, SMLoc>> args = inputs;
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
  SMLoc lossLoc;
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

OwningOpRef<ModuleOp> MLIRGenImpl::gen(const ast::Module &m) {
  for (const FunctionDecl &fn : m.functions) {
    if (!functions.insert({fn.name, &fn}).second)
      error(fn.loc) << "function '" << fn.name << "' is defined twice";
  }
  registerBuiltins();
  for (const FunctionDecl &fn : m.functions)
    if (builtins.count(fn.name))
      error(fn.loc) << "function '" << fn.name
                    << "' has the name of a built-in function";
  if (m.models.size() != 1) {
    SMLoc l = m.models.size() > 1 ? m.models[1].loc : SMLoc();
    error(l) << (m.models.empty() ? "the file defines no 'model'"
                                  : "the file defines more than one 'model'");
    return nullptr;
  }
  if (locator.getNumErrors())
    return nullptr;
  const ModelDecl &model = m.models.front();
  module = ModuleOp::create(loc(model.loc), model.name);
  OwningOpRef<ModuleOp> owned(module);
  module->setAttr(dl::DLDialect::kModelAttrName,
                  builder.getStringAttr(model.name));
  if (!genModel(model) || locator.getNumErrors())
    return nullptr;
  if (failed(mlir::verify(module))) {
    module.emitError("internal error: the generated module does not verify");
    return nullptr;
  }
  return owned;
}

//===----------------------------------------------------------------------===//
// Built-in functions and layers
//===----------------------------------------------------------------------===//

#include "Builtins.inc"

OwningOpRef<ModuleOp> dlc::mlirGen(MLIRContext &context,
                                   const llvm::SourceMgr &sourceMgr,
                                   const ast::Module &module) {
  context.getOrLoadDialect<dl::DLDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  return MLIRGenImpl(context, sourceMgr).gen(module);
}
