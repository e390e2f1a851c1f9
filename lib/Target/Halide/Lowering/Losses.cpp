//===- Losses.cpp - losses, their gradients and accuracy --------------------===//
//
// Scalar means, as PyTorch's losses with reduction='mean': mse_loss,
// binary_cross_entropy (with or without logits), categorical and sparse
// categorical cross-entropy; loss_grad, the gradient of any of them, and
// accuracy. Losses propagate NaN: train_step's check of the loss relies on it.
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

/// A loss: the mean over every element (mse, bce) or over rows (cross-entropies).
Tensor lowerLoss(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  Tensor pr = ctx.get(op->getOperand(0)), tg = ctx.get(op->getOperand(1));
  int r = pr.rank();
  bool fromLogits = op->hasAttr("from_logits");
  // A NaN prediction or target makes the loss NaN, as in PyTorch: Halide's
  // own log and exp do not propagate NaN, and train_step's check of the
  // loss relies on it. (The kernel is strict float, see compileKernels.)
  H::Expr anyNaN = hasNaN(pr) || hasNaN(tg);
  H::Expr nan = H::Internal::make_const(type, NAN);
  if (isa<MSELossOp, BinaryCrossEntropyOp>(op)) {
    H::Region region;
    H::Expr count = 1;
    for (int i = 0; i < r; ++i) {
      region.push_back(H::Range(0, pr.extents[i]));
      count = count * pr.extents[i];
    }
    H::RDom rd(region, "r");
    std::vector<H::Expr> at;
    for (int i = 0; i < r; ++i)
      at.push_back(rd[i]);
    H::Expr p = pr(at), t = H::cast(type, tg(at));
    H::Expr term;
    if (isa<MSELossOp>(op)) {
      term = (p - t) * (p - t);
    } else if (fromLogits) {
      term = H::max(p, 0.0f) - p * t + H::log(1.0f + H::exp(-H::abs(p)));
    } else {
      // torch.nn.functional.binary_cross_entropy clamps the logs at -100
      // (a NaN prediction still gives NaN: anyNaN below).
      term = -(t * H::max(H::log(p), -100.0f) +
               (1.0f - t) * H::max(H::log(1.0f - p), -100.0f));
    }
    return ctx.define(name, {}, type, [&](const std::vector<H::Expr> &) {
      return H::select(anyNaN, nan, H::sum(term) / H::cast(type, count));
    });
  }
  // Cross-entropies over the last (class) dim, averaged over the rest.
  H::RDom rc(0, pr.extents[r - 1], "c");
  std::vector<H::Expr> lead(pr.extents.begin(), pr.extents.end() - 1);
  auto row = [&](const std::vector<H::Expr> &idx, H::Expr c) {
    std::vector<H::Expr> s = idx;
    s.push_back(c);
    return s;
  };
  // Per-row log-sum-exp (with from_logits) and the row's loss.
  Tensor mx = ctx.define("ce_max", lead, type, [&](const std::vector<H::Expr> &idx) {
    return H::maximum(pr(row(idx, rc)));
  });
  Tensor lse = ctx.define("ce_lse", lead, type, [&](const std::vector<H::Expr> &idx) {
    return mx(idx) + H::log(H::sum(H::exp(pr(row(idx, rc)) - mx(idx))));
  });
  auto logp = [&](const std::vector<H::Expr> &idx, H::Expr c) -> H::Expr {
    if (fromLogits)
      return pr(row(idx, c)) - lse(idx);
    return H::log(pr(row(idx, c)));
  };
  Tensor perRowLoss = ctx.define("ce_row", lead, type, [&](const std::vector<H::Expr> &idx) {
    if (isa<CategoricalCrossEntropyOp>(op))
      return -H::sum(H::cast(type, tg(row(idx, rc))) * logp(idx, rc));
    // A label outside [0, C) fails the kernel (halide_error_code_requirement_failed).
    H::Expr raw = H::cast<int>(tg(idx));
    // The clamp only bounds the access for Halide; require has failed first.
    H::Expr label = H::clamp(
        H::require(raw >= 0 && raw < pr.extents[r - 1], raw,
                   "sparse_categorical_cross_entropy: label", raw,
                   "is outside [0,", pr.extents[r - 1], ")"),
        0, pr.extents[r - 1] - 1);
    return -logp(idx, label);
  });
  if (fromLogits) {
    ctx.stages.roots.push_back(mx.func);
    ctx.stages.roots.push_back(lse.func);
  }
  ctx.stages.roots.push_back(perRowLoss.func);
  H::Region region;
  H::Expr count = 1;
  for (int i = 0; i < r - 1; ++i) {
    region.push_back(H::Range(0, pr.extents[i]));
    count = count * pr.extents[i];
  }
  if (r == 1)
    return ctx.define(name, {}, type, [&](const std::vector<H::Expr> &) {
      return H::select(anyNaN, nan, perRowLoss({}));
    });
  H::RDom rn(region, "n");
  std::vector<H::Expr> at;
  for (int i = 0; i < r - 1; ++i)
    at.push_back(rn[i]);
  return ctx.define(name, {}, type, [&](const std::vector<H::Expr> &) {
    return H::select(anyNaN, nan, H::sum(perRowLoss(at)) / H::cast(type, count));
  });
}

/// loss_grad (with respect to predictions or targets) and accuracy.
Tensor lowerLossGradOrAccuracy(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  llvm::StringRef kind = op->getAttrOfType<mlir::StringAttr>("kind").getValue();
  bool fromLogits = op->hasAttr("from_logits");
  Tensor pr = ctx.get(op->getOperand(0)), tg = ctx.get(op->getOperand(1));
  int r = pr.rank();
  H::Expr count = 1, rows = 1;
  for (int i = 0; i < r; ++i)
    count = count * pr.extents[i];
  for (int i = 0; i + 1 < r; ++i)
    rows = rows * pr.extents[i];
  bool perRow = kind == "categorical_cross_entropy" ||
                kind == "sparse_categorical_cross_entropy";
  H::RDom rc(0, pr.extents[r - 1], "c");
  std::vector<H::Expr> lead(pr.extents.begin(), pr.extents.end() - 1);
  auto row = [&](const std::vector<H::Expr> &idx, H::Expr c) {
    std::vector<H::Expr> s(idx.begin(), idx.begin() + (r - 1));
    s.push_back(c);
    return s;
  };
  auto leadOf = [&](const std::vector<H::Expr> &idx) {
    return std::vector<H::Expr>(idx.begin(), idx.begin() + (r - 1));
  };
  if (auto acc = dyn_cast<AccuracyOp>(op)) {
    H::Expr hits;
    H::Region region;
    if (kind == "binary_cross_entropy") {
      for (int i = 0; i < r; ++i)
        region.push_back(H::Range(0, pr.extents[i]));
      H::RDom all(region, "all");
      std::vector<H::Expr> at;
      for (int i = 0; i < r; ++i)
        at.push_back(all[i]);
      H::Expr predicted = pr(at) > (fromLogits ? 0.0f : 0.5f);
      H::Expr actual = H::cast<float>(tg(at)) > 0.5f;
      hits = H::sum(H::select(predicted == actual, 1.0f, 0.0f));
      return ctx.define(name, {}, type,
                    [&](const std::vector<H::Expr> &) { return hits / H::cast<float>(count); });
    }
    // Per row: argmax of the predictions against the label / target argmax.
    Tensor best = ctx.define("acc_argmax", lead, H::Int(32), [&](const std::vector<H::Expr> &idx) {
      return H::argmax(pr(row(idx, rc)))[0];
    });
    Tensor hit = ctx.define("acc_hit", lead, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr want = kind == "sparse_categorical_cross_entropy"
                         ? H::cast<int>(tg(idx))
                         : H::Expr(H::argmax(H::cast<float>(tg(row(idx, rc))))[0]);
      return H::select(best(idx) == want, 1.0f, 0.0f);
    });
    ctx.stages.roots.push_back(best.func);
    ctx.stages.roots.push_back(hit.func);
    if (r == 1)
      return ctx.define(name, {}, type, [&](const std::vector<H::Expr> &) { return hit({}); });
    for (int i = 0; i + 1 < r; ++i)
      region.push_back(H::Range(0, pr.extents[i]));
    H::RDom rn(region, "n");
    std::vector<H::Expr> at;
    for (int i = 0; i + 1 < r; ++i)
      at.push_back(rn[i]);
    return ctx.define(name, {}, type, [&](const std::vector<H::Expr> &) {
      return H::sum(hit(at)) / H::cast<float>(rows);
    });
  }
  Tensor g = ctx.get(op->getOperand(2));
  H::Expr scale = g({}) / H::cast<float>(perRow ? rows : count);
  bool wrtTargets = op->hasAttr("wrt_targets");
  if (wrtTargets && !perRow) {
    return ctx.define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      H::Expr p = pr(idx), t = H::cast<float>(tg(idx));
      if (kind == "mse")
        return -2.0f * (p - t) * scale;
      if (fromLogits)
        return -p * scale;
      return -(nanMax(H::log(p), H::Expr(-100.0f)) -
               nanMax(H::log(1.0f - p), H::Expr(-100.0f))) * scale;
    });
  }
  if (!perRow) {
    return ctx.define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      H::Expr p = pr(idx), t = H::cast<float>(tg(idx));
      if (kind == "mse")
        return 2.0f * (p - t) * scale;
      if (fromLogits)
        return (sigmoid(p) - t) * scale;
      // torch's binary_cross_entropy backward: eps-clamped denominator.
      return (p - t) / nanMax((1.0f - p) * p, H::Expr(1e-12f)) * scale;
    });
  }
  // Row softmax (from logits), and the sum of each row's targets.
  Tensor mx = ctx.define("lg_max", lead, type, [&](const std::vector<H::Expr> &idx) {
    return H::maximum(pr(row(idx, rc)));
  });
  Tensor se = ctx.define("lg_sumexp", lead, type, [&](const std::vector<H::Expr> &idx) {
    return H::sum(H::exp(pr(row(idx, rc)) - mx(idx)));
  });
  if (fromLogits) {
    ctx.stages.roots.push_back(mx.func);
    ctx.stages.roots.push_back(se.func);
  }
  Tensor tsum;
  if (kind == "categorical_cross_entropy") {
    tsum = ctx.define("lg_tsum", lead, type, [&](const std::vector<H::Expr> &idx) {
      return H::sum(H::cast<float>(tg(row(idx, rc))));
    });
    ctx.stages.roots.push_back(tsum.func);
  }
  if (wrtTargets) // categorical cross-entropy: -log p per class
    return ctx.define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
      std::vector<H::Expr> li = leadOf(idx);
      H::Expr logp = fromLogits ? pr(idx) - mx(li) - H::log(se(li)) : H::log(pr(idx));
      return -logp * scale;
    });
  return ctx.define(name, pr.extents, type, [&](const std::vector<H::Expr> &idx) -> H::Expr {
    std::vector<H::Expr> li = leadOf(idx);
    H::Expr c = idx[r - 1];
    H::Expr t = kind == "sparse_categorical_cross_entropy"
                    ? H::select(H::cast<int>(tg(li)) == c, 1.0f, 0.0f)
                    : H::cast<float>(tg(idx));
    if (!fromLogits)
      return -t / pr(idx) * scale;
    H::Expr sm = H::exp(pr(idx) - mx(li)) / se(li);
    H::Expr total = kind == "sparse_categorical_cross_entropy" ? H::Expr(1.0f) : tsum(li);
    return (sm * total - t) * scale;
  });
}

} // namespace

// Losses in strict float: train_step's NaN check reads the loss, and with
// fast-math's no-NaNs LLVM may drop a NaN term from the sum. (One scalar
// per kernel: no cost that shows.)
bool needsStrictFloat(mlir::Operation *op) {
  return isa<MSELossOp, BinaryCrossEntropyOp, CategoricalCrossEntropyOp,
             SparseCategoricalCrossEntropyOp>(op);
}

void populateLossLowerings(LoweringRegistry &registry) {
  registry.add<MSELossOp, BinaryCrossEntropyOp, CategoricalCrossEntropyOp,
               SparseCategoricalCrossEntropyOp>(lowerLoss);
  registry.add<LossGradOp, AccuracyOp>(lowerLossGradOrAccuracy);
}
} // namespace halide
} // namespace dlc
