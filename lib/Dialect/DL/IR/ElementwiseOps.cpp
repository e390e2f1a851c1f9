//===- ElementwiseOps.cpp - Elementwise ops -------------------------------===//
//
// Shape rules, folders and VJPs of the elementwise ops (DLElementwiseOps.td).
// The binary ops' shape rule, NumPy broadcasting, is their ODS class's
// (DL_SharedShapeRule); folders compute in float as the kernels do.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

/// Folds `lhs op rhs` on float constants: splat with splat, or equal shapes.
static Attribute foldBinaryConstants(Attribute lhsAttr, Attribute rhsAttr,
                                     Type resultType,
                                     function_ref<double(double, double)> fn) {
  auto lhs = llvm::dyn_cast_if_present<DenseElementsAttr>(lhsAttr);
  auto rhs = llvm::dyn_cast_if_present<DenseElementsAttr>(rhsAttr);
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  if (!lhs || !rhs || !type || !type.hasStaticShape() ||
      !type.getElementType().isF32() ||
      !lhs.getElementType().isF32() || !rhs.getElementType().isF32())
    return {};
  if (lhs.isSplat() && rhs.isSplat())
    return DenseElementsAttr::get(
        type, (float)fn(lhs.getSplatValue<float>(), rhs.getSplatValue<float>()));
  if (lhs.getType() != type && !lhs.isSplat())
    return {};
  if (rhs.getType() != type && !rhs.isSplat())
    return {};
  int64_t n = type.getNumElements();
  if (n > (1 << 20))
    return {}; // keep the IR small; the kernel computes it at run time
  SmallVector<float> out(n);
  auto lv = lhs.getValues<float>(), rv = rhs.getValues<float>();
  for (int64_t i = 0; i < n; ++i)
    out[i] = fn(lhs.isSplat() ? lv[0] : lv[i], rhs.isSplat() ? rv[0] : rv[i]);
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}

/// Whether `attr` is a float splat equal to `v`.
static bool isSplatOf(Attribute attr, double v) {
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!d || !d.isSplat() || !llvm::isa<FloatType>(d.getElementType()))
    return false;
  return d.getSplatValue<APFloat>().convertToDouble() == v;
}

/// `x op c` -> `x` when `c` is the identity and no broadcast changes `x`.
static OpFoldResult foldIdentity(Value x, Attribute c, Type resultType,
                                 double identity) {
  if (x.getType() == resultType && isSplatOf(c, identity))
    return x;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x + y; }))
    return c;
  if (auto r = foldIdentity(getLhs(), a.getRhs(), getType(), 0.0))
    return r;
  return foldIdentity(getRhs(), a.getLhs(), getType(), 0.0);
}

OpFoldResult SubOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x - y; }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 0.0);
}

OpFoldResult MulOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x * y; }))
    return c;
  if (auto r = foldIdentity(getLhs(), a.getRhs(), getType(), 1.0))
    return r;
  return foldIdentity(getRhs(), a.getLhs(), getType(), 1.0);
}

OpFoldResult DivOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x / y; }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 1.0);
}

OpFoldResult PowOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(
          a.getLhs(), a.getRhs(), getType(),
          [](double x, double y) { return std::pow((float)x, (float)y); }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 1.0);
}

OpFoldResult MaximumOp::fold(FoldAdaptor a) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                             [](double x, double y) {
                               return std::isnan(x) || std::isnan(y)
                                          ? NAN
                                          : std::max(x, y);
                             });
}

OpFoldResult MinimumOp::fold(FoldAdaptor a) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                             [](double x, double y) {
                               return std::isnan(x) || std::isnan(y)
                                          ? NAN
                                          : std::min(x, y);
                             });
}

/// Folds a unary op on an f32 constant, computing in float as the kernels do.
static Attribute foldUnaryConstant(Attribute input, Type resultType,
                                   function_ref<float(float)> fn) {
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(input);
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  if (!d || !type || !type.getElementType().isF32() || !type.hasStaticShape())
    return {};
  if (d.isSplat())
    return DenseElementsAttr::get(type, fn(d.getSplatValue<float>()));
  if (type.getNumElements() > (1 << 20))
    return {};
  SmallVector<float> out;
  for (float v : d.getValues<float>())
    out.push_back(fn(v));
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}

#define DL_UNARY_FOLD(OP, EXPR)                                                \
  OpFoldResult OP::fold(FoldAdaptor a) {                                       \
    return foldUnaryConstant(a.getInput(), getType(),                          \
                             [](float x) -> float { return EXPR; });           \
  }
DL_UNARY_FOLD(NegOp, -x)
DL_UNARY_FOLD(AbsOp, std::fabs(x))
DL_UNARY_FOLD(ExpOp, std::exp(x))
DL_UNARY_FOLD(LogOp, std::log(x))
DL_UNARY_FOLD(SqrtOp, std::sqrt(x))
DL_UNARY_FOLD(RsqrtOp, 1.0f / std::sqrt(x))
DL_UNARY_FOLD(TanhOp, std::tanh(x))
DL_UNARY_FOLD(SigmoidOp, 1.0f / (1.0f + std::exp(-x)))
DL_UNARY_FOLD(ReluOp, x > 0 ? x : (std::isnan(x) ? x : 0.0f))
DL_UNARY_FOLD(StepOp, x > 0 ? 1.0f : 0.0f)
#undef DL_UNARY_FOLD

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

#define DL_BINARY_VJP(OP, BODY)                                                \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    Location l = getLoc();                                                     \
    Value g = cts[0], a = getLhs(), c = getRhs(), y = getResult();             \
    (void)y;                                                                   \
    Value da, dc;                                                              \
    BODY;                                                                      \
    out.push_back(da ? unbroadcast(b, l, da, tensorType(a)) : Value());        \
    out.push_back(dc ? unbroadcast(b, l, dc, tensorType(c)) : Value());        \
    return success();                                                          \
  }

DL_BINARY_VJP(AddOp, { da = g; dc = g; })
DL_BINARY_VJP(SubOp, { da = g; dc = neg(b, l, g); })
DL_BINARY_VJP(MulOp, {
  da = mul(b, l, g, c);
  dc = mul(b, l, g, a);
})
DL_BINARY_VJP(DivOp, {
  da = div(b, l, g, c);
  dc = neg(b, l, div(b, l, mul(b, l, g, y), c));
})
DL_BINARY_VJP(PowOp, {
  // d/da a^c = c a^(c-1); d/dc a^c = a^c ln a.
  Type et = tensorType(a).getElementType();
  Value cm1 = sub(b, l, c, scalar(b, l, et, 1.0));
  da = mul(b, l, g, mul(b, l, c, createInferred<PowOp>(b, l, a, cm1)));
  dc = mul(b, l, g, mul(b, l, y, b.create<LogOp>(l, a)));
})
DL_BINARY_VJP(MaximumOp, {
  Value mask = step(b, l, sub(b, l, a, c));
  Value ga = mul(b, l, g, mask);
  da = ga;
  dc = sub(b, l, g, ga);
})
DL_BINARY_VJP(MinimumOp, {
  Value mask = step(b, l, sub(b, l, c, a));
  Value ga = mul(b, l, g, mask);
  da = ga;
  dc = sub(b, l, g, ga);
})
#undef DL_BINARY_VJP

#define DL_UNARY_VJP(OP, EXPR)                                                 \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    Location l = getLoc();                                                     \
    Value g = cts[0], x = getInput(), y = getResult();                         \
    Type et = tensorType(x).getElementType();                                  \
    (void)l, (void)g, (void)y;                                                 \
    (void)et;                                                                  \
    out.push_back(EXPR);                                                       \
    return success();                                                          \
  }

DL_UNARY_VJP(NegOp, neg(b, l, g))
DL_UNARY_VJP(AbsOp, mul(b, l, g, sub(b, l, step(b, l, x), step(b, l, neg(b, l, x)))))
DL_UNARY_VJP(ExpOp, mul(b, l, g, y))
DL_UNARY_VJP(LogOp, div(b, l, g, x))
DL_UNARY_VJP(SqrtOp, div(b, l, mul(b, l, g, scalar(b, l, et, 0.5)), y))
DL_UNARY_VJP(RsqrtOp,
             mul(b, l, mul(b, l, g, scalar(b, l, et, -0.5)), mul(b, l, y, mul(b, l, y, y))))
DL_UNARY_VJP(TanhOp, mul(b, l, g, sub(b, l, scalar(b, l, et, 1.0), mul(b, l, y, y))))
DL_UNARY_VJP(SigmoidOp, mul(b, l, g, mul(b, l, y, sub(b, l, scalar(b, l, et, 1.0), y))))
// The mask from the output, as PyTorch's threshold_backward(grad, result,
// 0): relu(x) > 0 exactly where x > 0, and with the input no longer read
// by the backward pass, relu fuses into its producer (a matmul's or conv's
// epilogue) instead of ending the group with a stored pre-activation.
DL_UNARY_VJP(ReluOp, mul(b, l, g, step(b, l, y)))
// Piecewise constant: zero almost everywhere.
DL_UNARY_VJP(StepOp, Value())
#undef DL_UNARY_VJP

LogicalResult CastOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  auto in = tensorType(getInput()), res = tensorType(getResult());
  if (!isa<FloatType>(in.getElementType()) || !isa<FloatType>(res.getElementType())) {
    out.push_back(Value());
    return success();
  }
  out.push_back(b.create<CastOp>(getLoc(), in, cts[0]));
  return success();
}

LogicalResult GeluOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  out.push_back(b.create<GeluGradOp>(getLoc(), getType(), getInput(), cts[0],
                                     getApproximateAttr()));
  return success();
}
