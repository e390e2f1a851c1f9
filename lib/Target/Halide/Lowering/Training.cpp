//===- Training.cpp - optimizer updates and dropout masks -------------------===//
//
// adam_update and sgd_update (one pipeline per parameter, every state
// tensor updated in place by the host) and dropout_mask, a counter-based
// hash of (element, op, step).
//
//===----------------------------------------------------------------------===//

#include "../Lowering.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include <cmath>

namespace dlc {
namespace halide {
using namespace dlc::dl;
using mlir::dyn_cast;
using mlir::isa;

namespace {

/// Inverted dropout: 0 with probability rate, else 1 / (1 - rate).
Tensor lowerDropoutMask(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto dm = mlir::cast<DropoutMaskOp>(op);
  Tensor x = ctx.get(dm.getInput()), seed = ctx.get(dm.getSeed());
  double rate = dm.getRate().convertToDouble();
  uint32_t salt = (uint32_t)dm.getSalt();
  return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
    // A counter-based hash of (element, op, step): murmur3's finalizer.
    H::Expr linear = H::cast<uint32_t>(0);
    for (size_t i = 0; i < idx.size(); ++i)
      linear = linear * H::cast<uint32_t>(x.extents[i]) + H::cast<uint32_t>(idx[i]);
    auto u32 = [](uint32_t v) { return H::Internal::make_const(H::UInt(32), (uint64_t)v); };
    H::Expr h = (linear * u32(0x9E3779B1u)) ^
                (H::cast<uint32_t>(seed({})) * u32(0x85EBCA77u)) ^ u32(salt * 0xC2B2AE3Du);
    h = h ^ (h >> 16);
    h = h * u32(0x7FEB352Du);
    h = h ^ (h >> 15);
    h = h * u32(0x846CA68Bu);
    h = h ^ (h >> 16);
    H::Expr u = H::cast<float>(h >> 8) * (1.0f / 16777216.0f);
    return H::select(u < (float)rate, 0.0f, (float)(1.0 / (1.0 - rate)));
  });
}

/// torch.optim.Adam: new parameter, first and second moments.
Tensor lowerAdamUpdate(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto upd = mlir::cast<AdamUpdateOp>(op);
  // The three results are outputs of one pipeline: the new parameter
  // reads the new moments instead of recomputing them.
  auto cached = ctx.multiResults.find(op);
  if (cached != ctx.multiResults.end())
    return cached->second[resultIndex];
  Tensor p = ctx.get(upd.getParam()), g = ctx.get(upd.getGrad()), m = ctx.get(upd.getM()),
         v = ctx.get(upd.getV()), t = ctx.get(upd.getStep()), lr = ctx.get(upd.getLearningRate());
  float b1 = upd.getBeta1().convertToDouble(), b2 = upd.getBeta2().convertToDouble(),
        eps = upd.getEpsilon().convertToDouble(),
        wd = upd.getWeightDecay().convertToDouble();
  Tensor m1 = ctx.define("adam_m", p.extents, type, [&](const std::vector<H::Expr> &idx) {
    return b1 * m(idx) + (1.0f - b1) * g(idx);
  });
  Tensor v1 = ctx.define("adam_v", p.extents, type, [&](const std::vector<H::Expr> &idx) {
    return b2 * v(idx) + (1.0f - b2) * g(idx) * g(idx);
  });
  Tensor p1 = ctx.define("adam_p", p.extents, type, [&](const std::vector<H::Expr> &idx) {
    // torch.optim.Adam's arithmetic (1.13, single-tensor), with the
    // bias corrections folded into two scalars: each element costs one
    // square root and one division. (Dividing m and v by the
    // corrections made three divisions, which bounded the update's
    // speed; multiplying by the reciprocal of sqrt(1 - beta2^t) differs
    // from PyTorch's division by at most an ulp of that term.)
    H::Expr step = t({}), rate = lr({});
    H::Expr stepSize = rate / (1.0f - H::pow(b1, step));
    H::Expr invBc2Sqrt = 1.0f / H::sqrt(1.0f - H::pow(b2, step));
    H::Expr denom = H::sqrt(v1(idx)) * invBc2Sqrt + eps;
    H::Expr p0 = wd != 0 ? p(idx) * (1.0f - rate * wd) : p(idx);
    return p0 - stepSize * m1(idx) / denom;
  });
  ctx.multiResults[op] = {p1, m1, v1};
  return ctx.multiResults[op][resultIndex];
}

/// torch.optim.SGD with momentum and Nesterov.
Tensor lowerSGDUpdate(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto upd = mlir::cast<SGDUpdateOp>(op);
  Tensor p = ctx.get(upd.getParam()), g = ctx.get(upd.getGrad()), buf = ctx.get(upd.getBuffer()),
         lr = ctx.get(upd.getLearningRate());
  float mom = upd.getMomentum().convertToDouble();
  bool nesterov = upd.getNesterov();
  return ctx.define(name, p.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
    H::Expr b1 = mom * buf(idx) + g(idx);
    if (resultIndex == 1)
      return b1;
    H::Expr d = nesterov ? g(idx) + mom * b1 : b1;
    return p(idx) - lr({}) * d;
  });
}

} // namespace

void populateTrainingLowerings(LoweringRegistry &registry) {
  registry.add<DropoutMaskOp>(lowerDropoutMask);
  registry.add<AdamUpdateOp>(lowerAdamUpdate);
  registry.add<SGDUpdateOp>(lowerSGDUpdate);
}
} // namespace halide
} // namespace dlc
