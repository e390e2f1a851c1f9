//===- MLIRGen.cpp - Lowering the .dl AST to the dl dialect ---------------===//
//
// The entry (dlc::mlirGen, MLIRGenImpl::gen) and what every other part of
// the generator converts with: .dl types to shapes, numbers to scalar
// constants, arguments to the kinds a built-in expects, each failure
// reported at the argument's source position. Expressions, statements, the
// model and the built-in families live in their own files (MLIRGenImpl.h).
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "dlc/Frontend/MLIRGen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSwitch.h"

#include <limits>

using namespace mlir;
using namespace dlc;
using namespace dlc::ast;
using namespace dlc::frontend;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// A fractional number as the user would write it: "0.5", "2.0", "1e-07".
std::string dlc::frontend::formatNumber(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos)
    s += ".0";
  return s;
}

StringRef dlc::frontend::kindName(Val::Kind k) {
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


DType dlc::frontend::parseDType(StringRef name) {
  return llvm::StringSwitch<DType>(name)
      .Case("f32", DType::F32)
      .Case("f64", DType::F64)
      .Case("f16", DType::F16)
      .Case("bf16", DType::BF16)
      .Case("i32", DType::I32)
      .Case("i64", DType::I64)
      .Case("bool", DType::I1)
      .Default(DType::Unknown);
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::optional<TensorShape> MLIRGenImpl::resolveType(const TypeSpec &t,
                                                    bool bindDims) {
  TensorShape s;
  s.dtype = parseDType(t.dtype);
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

std::optional<Val> MLIRGenImpl::tensorArg(const Args &a, StringRef key) {
  const Val *v = a.get(key);
  if (!v)
    return fail(a.loc, a.callee + ": missing argument '" + key + "'");
  return asTensor(*v, (a.callee + ": '" + key + "'").str(), a.loc);
}

std::optional<Val> MLIRGenImpl::floatTensorArg(const Args &a, StringRef key) {
  auto t = tensorArg(a, key);
  if (t && !isFloat(t->shape.dtype))
    return fail(a.loc, a.callee + ": '" + key +
                           "' must be floating point, got " + t->shape.str());
  return t;
}

//===----------------------------------------------------------------------===//
// The module
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> MLIRGenImpl::gen(const ast::Module &m) {
  for (const FunctionDecl &fn : m.functions) {
    if (!functions.insert({fn.name, &fn}).second)
      error(fn.loc) << "function '" << fn.name << "' is defined twice";
  }
  registerAllBuiltins(builtins);
  for (const FunctionDecl &fn : m.functions)
    if (builtins.contains(fn.name))
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
OwningOpRef<ModuleOp> dlc::mlirGen(MLIRContext &context,
                                   const llvm::SourceMgr &sourceMgr,
                                   const ast::Module &module) {
  context.getOrLoadDialect<dl::DLDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  return MLIRGenImpl(context, sourceMgr).gen(module);
}
