//===- Lowering.cpp - The lowering context and registry -------------------===//
//
// What every family's lowering shares: the kernel's arguments as Funcs,
// Funcs defined in tensor order, NumPy broadcasting, NaN-propagating max
// and min, and the registry that finds an op's lowering.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "llvm/Support/raw_ostream.h"


namespace dlc {
namespace halide {

H::Type halideType(mlir::Type t) {
  if (t.isF32()) return H::Float(32);
  if (t.isF64()) return H::Float(64);
  if (t.isF16()) return H::Float(16);
  if (t.isBF16()) return H::BFloat(16);
  if (t.isInteger(1)) return H::Bool();
  if (t.isInteger(32)) return H::Int(32);
  if (t.isInteger(64)) return H::Int(64);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "element type " << t << " has no Halide lowering";
  throw Unsupported(s);
}

/// Whether `e`, over the RDom it uses, is NaN anywhere (an inline sum).
H::Expr anyNaNOver(H::Expr e) { return H::sum(H::select(H::is_nan(e), 1, 0)) > 0; }

mlir::RankedTensorType tensorType(Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

H::Expr resultExtent(mlir::RankedTensorType type, int i, H::Expr dynamic) {
  return type.isDynamicDim(i) ? dynamic : H::Expr((int)type.getDimSize(i));
}

H::Expr hasNaN(const Tensor &t) {
  if (!t.type.is_float())
    return H::Internal::const_false();
  if (t.rank() == 0)
    return H::is_nan(t({}));
  H::Region region;
  for (const H::Expr &e : t.extents)
    region.push_back(H::Range(0, e));
  H::RDom rd(region, "nan_r");
  std::vector<H::Expr> at;
  for (int i = 0; i < t.rank(); ++i)
    at.push_back(rd[i]);
  return anyNaNOver(t(at));
}

H::Expr sigmoid(H::Expr x) { return 1.0f / (1.0f + H::exp(-x)); }

/// max / min that propagate NaN, as torch.maximum, torch.relu and NumPy do.
/// Halide's max and min lower to LLVM's maxnum (which drops NaN) with
/// fast-math flags whose no-NaNs lets LLVM fold a NaN test away, so the
/// select is strict_float (no fast-math flags on it and its operands).
H::Expr nanMax(H::Expr a, H::Expr b) {
  if (!a.type().is_float())
    return H::max(a, b);
  return H::strict_float(
      H::select(H::is_nan(a), a, H::select(H::is_nan(b), b, H::max(a, b))));
}
H::Expr nanMin(H::Expr a, H::Expr b) {
  if (!a.type().is_float())
    return H::min(a, b);
  return H::strict_float(
      H::select(H::is_nan(a), a, H::select(H::is_nan(b), b, H::min(a, b))));
}

H::Func zeroPadded(const std::string &name, const Tensor &x, H::Expr width,
                   H::Expr height, H::Type type) {
  H::Func xin(name);
  H::Var a("a"), b("b"), c("c"), n("n");
  H::Expr inside = a >= 0 && a < width && b >= 0 && b < height;
  xin(a, b, c, n) = H::select(
      inside, x({n, c, H::clamp(b, 0, height - 1), H::clamp(a, 0, width - 1)}),
      H::Internal::make_zero(type));
  return xin;
}

//===----------------------------------------------------------------------===//
// LoweringContext
//===----------------------------------------------------------------------===//

H::Expr LoweringContext::extentOf(Value v, int i, const H::ImageParam &p) {
  auto type = tensorType(v);
  if (!type.isDynamicDim(i))
    return H::Expr((int)type.getDimSize(i));
  return p.dim(type.getRank() - 1 - i).extent();
}

Tensor LoweringContext::leaf(Value v) {
  auto it = params.find(v);
  H::ImageParam p = it->second;
  Tensor t;
  t.type = p.type();
  int r = tensorType(v).getRank();
  for (int i = 0; i < r; ++i)
    t.extents.push_back(extentOf(v, i, p));
  t.func = H::Func(p);
  if (tensorType(v).getElementType().isInteger(1)) {
    // bool buffers hold one byte per element (the C header's uint8_t);
    // any non-zero byte is true, as in C. Read as a Bool buffer, Halide
    // would look at the low bit only.
    std::vector<H::Var> vars;
    for (int i = 0; i < r; ++i)
      vars.push_back(H::Var("b" + std::to_string(i)));
    std::vector<H::Expr> at(vars.begin(), vars.end());
    H::Func nonzero("nonzero_" + p.name());
    nonzero(vars) = p(at) != H::cast<uint8_t>(0);
    t.func = nonzero;
    t.type = H::Bool();
  }
  return t;
}

Tensor LoweringContext::get(Value v) {
  auto it = values.find(v);
  if (it != values.end())
    return it->second;
  Tensor t;
  if (params.count(v)) {
    t = leaf(v);
  } else {
    mlir::Operation *def = v.getDefiningOp();
    const OpLowering *lower = loweringRegistry().lookup(def);
    if (!lower)
      throw Unsupported("'" + def->getName().getStringRef().str() +
                        "' has no Halide lowering");
    t = (*lower)(*this, def, mlir::cast<mlir::OpResult>(v).getResultNumber());
  }
  values[v] = t;
  return t;
}

Tensor LoweringContext::define(
    const std::string &name, const std::vector<H::Expr> &extents, H::Type type,
    const std::function<H::Expr(const std::vector<H::Expr> &)> &body) {
  std::vector<H::Var> vars;
  for (size_t i = 0; i < extents.size(); ++i)
    vars.emplace_back("i" + std::to_string(i));
  std::vector<H::Expr> idx(vars.begin(), vars.end());
  H::Func f(name);
  std::vector<H::Var> args(vars.rbegin(), vars.rend());
  H::Expr e = body(idx);
  if (e.type() != type)
    e = H::cast(type, e);
  if (args.empty())
    f() = e;
  else
    f(args) = e;
  return Tensor{f, extents, type};
}

std::vector<H::Expr> LoweringContext::broadcastIndex(const Tensor &t,
                                                     mlir::RankedTensorType operand,
                                                     mlir::RankedTensorType out,
                                                     const std::vector<H::Expr> &idx) {
  int R = out.getRank(), r = operand.getRank();
  std::vector<H::Expr> sub;
  for (int i = 0; i < r; ++i) {
    int o = R - r + i;
    bool broadcast = !operand.isDynamicDim(i) && operand.getDimSize(i) == 1 &&
                     !(!out.isDynamicDim(o) && out.getDimSize(o) == 1);
    sub.push_back(broadcast ? H::Expr(0) : idx[o]);
  }
  return sub;
}

std::vector<H::Expr> LoweringContext::broadcastExtents(const Tensor &a, const Tensor &b,
                                                       mlir::RankedTensorType out) {
  int R = out.getRank();
  std::vector<H::Expr> ext;
  for (int o = 0; o < R; ++o) {
    if (!out.isDynamicDim(o)) {
      ext.push_back((int)out.getDimSize(o));
      continue;
    }
    int ia = o - (R - a.rank()), ib = o - (R - b.rank());
    H::Expr ea = ia >= 0 ? a.extents[ia] : H::Expr(1);
    H::Expr eb = ib >= 0 ? b.extents[ib] : H::Expr(1);
    ext.push_back(H::max(ea, eb));
  }
  return ext;
}

//===----------------------------------------------------------------------===//
// LoweringRegistry
//===----------------------------------------------------------------------===//

const OpLowering *LoweringRegistry::lookup(mlir::Operation *op) const {
  std::optional<mlir::RegisteredOperationName> name = op->getRegisteredInfo();
  if (!name)
    return nullptr;
  auto it = lowerings.find(name->getTypeID());
  return it == lowerings.end() ? nullptr : &it->second;
}

const LoweringRegistry &loweringRegistry() {
  static const LoweringRegistry registry = [] {
    LoweringRegistry r;
    populateElementwiseLowerings(r);
    populateLinalgLowerings(r);
    populateReductionLowerings(r);
    populateDataMovementLowerings(r);
    populateConvPoolLowerings(r);
    populateLossLowerings(r);
    populateTrainingLowerings(r);
    return r;
  }();
  return registry;
}

} // namespace halide
} // namespace dlc
