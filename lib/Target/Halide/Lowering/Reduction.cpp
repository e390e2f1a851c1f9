//===- Reduction.cpp - reductions and normalizations ------------------------===//
//
// reduce_sum / mean / max, softmax and log_softmax, batch_norm (inference)
// and layer_norm. Per-row statistics are Funcs of their own in
// KernelStages::roots, which the schedule computes once at root instead of
// inlining them per element.
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

/// A reduction over `axes` (all when empty), NaN winning for reduce_max.
Tensor lowerReduce(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  Tensor a = ctx.get(op->getOperand(0));
  auto axesAttr = op->getAttrOfType<mlir::DenseI64ArrayAttr>("axes");
  bool keep = op->hasAttr("keep_dims");
  int r = a.rank();
  std::vector<bool> reduced(r, axesAttr.empty());
  for (int64_t ax : axesAttr.asArrayRef())
    reduced[ax < 0 ? ax + r : ax] = true;
  H::Region region;
  H::Expr count = 1;
  for (int i = 0; i < r; ++i)
    if (reduced[i]) {
      region.push_back(H::Range(0, a.extents[i]));
      count = count * a.extents[i];
    }
  if (region.empty()) // nothing to reduce (a scalar)
    return ctx.define(name, a.extents, type,
                  [&](const std::vector<H::Expr> &idx) { return a(idx); });
  H::RDom rd(region, "r");
  std::vector<H::Expr> ext;
  for (int i = 0; i < r; ++i)
    if (!reduced[i])
      ext.push_back(a.extents[i]);
    else if (keep)
      ext.push_back(1);
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> src;
    int o = 0, d = 0;
    for (int i = 0; i < r; ++i) {
      if (reduced[i]) {
        src.push_back(rd[d++]);
        if (keep)
          ++o;
      } else {
        src.push_back(idx[o++]);
      }
    }
    if (isa<ReduceMaxOp>(op)) {
      if (!type.is_float())
        return H::maximum(a(src));
      // NaN wins, as in torch.amax.
      return H::strict_float(H::select(anyNaNOver(a(src)),
                                       H::Internal::make_const(type, NAN),
                                       H::maximum(a(src))));
    }
    H::Expr s = H::sum(a(src));
    if (isa<ReduceMeanOp>(op))
      s = s / H::cast(type, count);
    return s;
  });
}

/// softmax / log_softmax over `axis`, from the row max and sum of exp.
Tensor lowerSoftmax(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  Tensor a = ctx.get(op->getOperand(0));
  int r = a.rank();
  int64_t axis = op->getAttrOfType<mlir::IntegerAttr>("axis").getInt();
  if (axis < 0)
    axis += r;
  H::RDom k(0, a.extents[axis], "k");
  auto withAxis = [&](const std::vector<H::Expr> &idx, H::Expr e) {
    std::vector<H::Expr> s = idx;
    s[axis] = e;
    return s;
  };
  // Row max and sum of exp(x - max) over the axis: per row, not per element.
  Tensor mx = ctx.define("softmax_max", a.extents, type, [&](const std::vector<H::Expr> &idx) {
    return H::maximum(a(withAxis(idx, k)));
  });
  Tensor sm = ctx.define("softmax_sum", a.extents, type, [&](const std::vector<H::Expr> &idx) {
    return H::sum(H::exp(a(withAxis(idx, k)) - mx(withAxis(idx, 0))));
  });
  ctx.stages.roots.push_back(mx.func);
  ctx.stages.roots.push_back(sm.func);
  bool log = isa<LogSoftmaxOp>(op);
  return ctx.define(name, a.extents, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr m = mx(withAxis(idx, 0)), s = sm(withAxis(idx, 0));
    return log ? a(idx) - m - H::log(s) : H::exp(a(idx) - m) / s;
  });
}

/// batch_norm with running statistics (inference).
Tensor lowerBatchNorm(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto bn = mlir::cast<BatchNormOp>(op);
  Tensor x = ctx.get(bn.getInput()), g = ctx.get(bn.getScale()), b = ctx.get(bn.getBias()),
         m = ctx.get(bn.getMean()), v = ctx.get(bn.getVariance());
  float eps = (float)bn.getEpsilon().convertToDouble();
  return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr c = idx[1];
    return (x(idx) - m({c})) / H::sqrt(v({c}) + eps) * g({c}) + b({c});
  });
}

/// layer_norm over the dims from `axis` on.
Tensor lowerLayerNorm(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto ln = mlir::cast<LayerNormOp>(op);
  Tensor x = ctx.get(ln.getInput()), g = ctx.get(ln.getScale()), b = ctx.get(ln.getBias());
  int r = x.rank();
  int64_t axis = (int64_t)ln.getAxis();
  if (axis < 0)
    axis += r;
  float eps = (float)ln.getEpsilon().convertToDouble();
  H::Region region;
  H::Expr count = 1;
  for (int i = axis; i < r; ++i) {
    region.push_back(H::Range(0, x.extents[i]));
    count = count * x.extents[i];
  }
  H::RDom rd(region, "r");
  std::vector<H::Expr> lead(x.extents.begin(), x.extents.begin() + axis);
  auto full = [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> s(idx.begin(), idx.begin() + axis);
    for (int i = axis; i < r; ++i)
      s.push_back(rd[i - axis]);
    return s;
  };
  H::Expr n = H::cast(type, count);
  Tensor mean = ctx.define("ln_mean", lead, type, [&](const std::vector<H::Expr> &idx) {
    return H::sum(x(full(idx))) / n;
  });
  Tensor var = ctx.define("ln_var", lead, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr d = x(full(idx)) - mean(idx);
    return H::sum(d * d) / n;
  });
  ctx.stages.roots.push_back(mean.func);
  ctx.stages.roots.push_back(var.func);
  return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> lidx(idx.begin(), idx.begin() + axis);
    std::vector<H::Expr> tidx(idx.begin() + axis, idx.end());
    return (x(idx) - mean(lidx)) / H::sqrt(var(lidx) + eps) * g(tidx) + b(tidx);
  });
}

} // namespace

void populateReductionLowerings(LoweringRegistry &registry) {
  registry.add<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>(lowerReduce);
  registry.add<SoftmaxOp, LogSoftmaxOp>(lowerSoftmax);
  registry.add<BatchNormOp>(lowerBatchNorm);
  registry.add<LayerNormOp>(lowerLayerNorm);
}
} // namespace halide
} // namespace dlc
