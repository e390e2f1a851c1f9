//===- Elementwise.cpp - Elementwise ops as Halide Funcs ------------------===//
//
// Binary ops with NumPy broadcasting, unary math and activations, casts,
// and the derivatives the VJPs emit as ops of their own (gelu_grad, step).
// Each is one pure Func; inside a fusion group Halide inlines it into its
// consumer.
//
//===----------------------------------------------------------------------===//

#include "../Lowering.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

namespace dlc {
namespace halide {
using namespace dlc::dl;

namespace {

using BinaryFn = H::Expr (*)(H::Expr, H::Expr);
using UnaryFn = H::Expr (*)(H::Expr);

/// The Func of a binary op: `fn` of its broadcast operands.
OpLowering binary(BinaryFn fn) {
  return [fn](LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
    mlir::RankedTensorType outType = resultType(op, resultIndex);
    Tensor a = ctx.get(op->getOperand(0)), b = ctx.get(op->getOperand(1));
    auto ta = tensorType(op->getOperand(0)), tb = tensorType(op->getOperand(1));
    return ctx.define(funcName(op), ctx.broadcastExtents(a, b, outType),
                      halideType(outType.getElementType()),
                      [&](const std::vector<H::Expr> &idx) {
                        return fn(a(ctx.broadcastIndex(a, ta, outType, idx)),
                                  b(ctx.broadcastIndex(b, tb, outType, idx)));
                      });
  };
}

/// The Func of a unary op: `fn` of its operand.
OpLowering unary(std::function<H::Expr(H::Expr)> fn) {
  return [fn](LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
    Tensor a = ctx.get(op->getOperand(0));
    return ctx.define(funcName(op), a.extents,
                      halideType(resultType(op, resultIndex).getElementType()),
                      [&](const std::vector<H::Expr> &idx) { return fn(a(idx)); });
  };
}

/// gelu, exact (erf) or tanh-approximated, as torch.nn.functional.gelu.
Tensor lowerGelu(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  bool tanhForm = mlir::cast<GeluOp>(op).getApproximate() == GeluApproximation::tanh;
  return unary([tanhForm](H::Expr x) -> H::Expr {
    if (tanhForm)
      return 0.5f * x *
             (1.0f + H::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    return 0.5f * x * (1.0f + H::erf(x * 0.7071067811865476f));
  })(ctx, op, resultIndex);
}

/// The derivative of gelu times the cotangent.
Tensor lowerGeluGrad(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  H::Type type = halideType(resultType(op, resultIndex).getElementType());
  auto gg = mlir::cast<GeluGradOp>(op);
  Tensor x = ctx.get(gg.getInput()), g = ctx.get(gg.getGrad());
  bool tanhForm = gg.getApproximate() == GeluApproximation::tanh;
  return ctx.define(funcName(op), x.extents, type,
                    [&](const std::vector<H::Expr> &idx) -> H::Expr {
    H::Expr v = x(idx);
    if (tanhForm) {
      const float k = 0.7978845608028654f;
      H::Expr t = H::tanh(k * (v + 0.044715f * v * v * v));
      return g(idx) * (0.5f * (1.0f + t) +
                       0.5f * v * (1.0f - t * t) * k * (1.0f + 3.0f * 0.044715f * v * v));
    }
    H::Expr cdf = 0.5f * (1.0f + H::erf(v * 0.7071067811865476f));
    H::Expr pdf = H::exp(-0.5f * v * v) * 0.3989422804014327f;
    return g(idx) * (cdf + v * pdf);
  });
}

Tensor lowerCast(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  H::Type type = halideType(resultType(op, resultIndex).getElementType());
  Tensor a = ctx.get(op->getOperand(0));
  return ctx.define(funcName(op), a.extents, type, [&](const std::vector<H::Expr> &idx) {
    return H::cast(type, a(idx));
  });
}

} // namespace

void populateElementwiseLowerings(LoweringRegistry &registry) {
  registry.add<AddOp>(binary([](H::Expr a, H::Expr b) { return a + b; }));
  registry.add<SubOp>(binary([](H::Expr a, H::Expr b) { return a - b; }));
  registry.add<MulOp>(binary([](H::Expr a, H::Expr b) { return a * b; }));
  registry.add<DivOp>(binary([](H::Expr a, H::Expr b) { return a / b; }));
  registry.add<PowOp>(binary([](H::Expr a, H::Expr b) { return H::pow(a, b); }));
  registry.add<MaximumOp>(binary(nanMax));
  registry.add<MinimumOp>(binary(nanMin));
  registry.add<NegOp>(unary([](H::Expr x) { return -x; }));
  registry.add<AbsOp>(unary([](H::Expr x) { return H::abs(x); }));
  registry.add<ExpOp>(unary([](H::Expr x) { return H::exp(x); }));
  registry.add<LogOp>(unary([](H::Expr x) { return H::log(x); }));
  registry.add<SqrtOp>(unary([](H::Expr x) { return H::sqrt(x); }));
  registry.add<RsqrtOp>(unary([](H::Expr x) { return 1.0f / H::sqrt(x); }));
  registry.add<TanhOp>(unary([](H::Expr x) { return H::tanh(x); }));
  registry.add<SigmoidOp>(unary(sigmoid));
  registry.add<ReluOp>(unary([](H::Expr x) {
    // relu(NaN) is NaN, as in PyTorch: a NaN pixel must not vanish into a
    // finite loss (LLVM makes it select(x <= 0, 0, x)).
    return nanMax(x, H::Internal::make_zero(x.type()));
  }));
  registry.add<GeluOp>(lowerGelu);
  registry.add<GeluGradOp>(lowerGeluGrad);
  registry.add<CastOp>(lowerCast);
  // Inference: the identity.
  registry.add<DropoutOp>(unary([](H::Expr x) { return x; }));
  // relu's derivative: 1 where x > 0.
  registry.add<StepOp>(unary([](H::Expr x) {
    return H::select(x > H::Internal::make_zero(x.type()), H::Internal::make_one(x.type()),
                     H::Internal::make_zero(x.type()));
  }));
}

} // namespace halide
} // namespace dlc
