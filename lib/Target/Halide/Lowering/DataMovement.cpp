//===- DataMovement.cpp - views, slices, gathers and scatters ---------------===//
//
// Ops that move data without arithmetic: transpose, broadcast_to /
// broadcast_like, concat, slice and its gradient, gather, embedding and
// scatter_add. In a kernel they are index arithmetic on their operand, which
// Halide inlines; only scatter_add has a Func of its own (KernelStages::roots).
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

/// The operand read at permuted indices.
Tensor lowerTranspose(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto t = mlir::cast<TransposeOp>(op);
  Tensor a = ctx.get(t.getInput());
  auto perm = t.getPerm();
  std::vector<H::Expr> ext;
  for (int64_t p : perm)
    ext.push_back(a.extents[p]);
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> src(perm.size());
    for (size_t k = 0; k < perm.size(); ++k)
      src[perm[k]] = idx[k];
    return a(src);
  });
}

/// NumPy broadcasting to the result shape.
Tensor lowerBroadcastTo(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto b = mlir::cast<BroadcastToOp>(op);
  Tensor a = ctx.get(b.getInput());
  auto inType = tensorType(b.getInput());
  int R = outType.getRank(), r = inType.getRank();
  std::vector<H::Expr> ext;
  for (int o = 0; o < R; ++o)
    ext.push_back(outType.isDynamicDim(o) && o >= R - r ? a.extents[o - (R - r)]
                                                        : resultExtent(outType, o, H::Expr(1)));
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    return a(ctx.broadcastIndex(a, inType, outType, idx));
  });
}

/// Broadcast to the shape of a reference tensor.
Tensor lowerBroadcastLike(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto bl = mlir::cast<BroadcastLikeOp>(op);
  Tensor a = ctx.get(bl.getInput()), ref = ctx.get(bl.getReference());
  auto inType = tensorType(bl.getInput());
  return ctx.define(name, ref.extents, type, [&](const std::vector<H::Expr> &idx) {
    return a(ctx.broadcastIndex(a, inType, outType, idx));
  });
}

/// Concatenation along `axis`: a select per input.
Tensor lowerConcat(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto cat = mlir::cast<ConcatOp>(op);
  int64_t axis = (int64_t)cat.getAxis();
  int r = outType.getRank();
  if (axis < 0)
    axis += r;
  std::vector<Tensor> ins;
  for (Value in : cat.getInputs())
    ins.push_back(ctx.get(in));
  std::vector<H::Expr> ext = ins[0].extents;
  H::Expr total = 0;
  for (auto &t : ins)
    total = total + t.extents[axis];
  ext[axis] = resultExtent(outType, axis, total);
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr offset = 0;
    std::vector<H::Expr> starts;
    for (auto &t : ins) {
      starts.push_back(offset);
      offset = offset + t.extents[axis];
    }
    H::Expr e;
    for (int i = 0; i < (int)ins.size(); ++i) {
      std::vector<H::Expr> s = idx;
      // Clamp so every branch reads in bounds; select picks the right one.
      s[axis] = H::clamp(idx[axis] - starts[i], 0, ins[i].extents[axis] - 1);
      H::Expr v = ins[i](s);
      e = e.defined() ? H::select(idx[axis] >= starts[i], v, e) : v;
    }
    return e;
  });
}

/// One axis of a slice [start:end:step] of an axis of `n` elements, with
/// Python's semantics (bounds clamped), as inferSliceShape: the index of
/// its first element and its length.
struct SliceAxis {
  H::Expr begin, length;
};
SliceAxis sliceAxis(H::Expr n, int64_t start, int64_t end, int64_t step) {
  auto norm = [&](int64_t v) -> H::Expr {
    H::Expr e = v < 0 ? H::Expr(n + (int)std::max<int64_t>(v, INT32_MIN))
                      : H::Expr((int)std::min<int64_t>(v, INT32_MAX));
    if (step > 0)
      return H::clamp(e, 0, n);
    return H::clamp(e, -1, n - 1);
  };
  H::Expr b = norm(start), e = norm(end);
  H::Expr len = step > 0 ? H::max(0, (e - b + (int)step - 1) / (int)step)
                         : H::max(0, (b - e + (int)(-step) - 1) / (int)(-step));
  return {b, len};
}

/// Python slicing with clamped bounds.
Tensor lowerSlice(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto sl = mlir::cast<SliceOp>(op);
  Tensor a = ctx.get(sl.getInput());
  int r = a.rank();
  std::vector<H::Expr> start(r, 0), step(r, 1), ext = a.extents;
  auto axes = sl.getAxes();
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = axes[i] < 0 ? axes[i] + r : axes[i];
    SliceAxis slice =
        sliceAxis(a.extents[ax], sl.getStarts()[i], sl.getEnds()[i], sl.getSteps()[i]);
    start[ax] = slice.begin;
    step[ax] = (int)sl.getSteps()[i];
    ext[ax] = resultExtent(outType, ax, slice.length);
  }
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> s;
    for (int i = 0; i < r; ++i)
      s.push_back(start[i] + idx[i] * step[i]);
    return a(s);
  });
}

/// The cotangent of a slice, scattered back into zeros.
Tensor lowerSliceGrad(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto sg = mlir::cast<SliceGradOp>(op);
  Tensor g = ctx.get(sg.getGrad()), x = ctx.get(sg.getInput());
  int r = x.rank();
  std::vector<H::Expr> start(r, 0), step(r, 1), len = x.extents;
  auto axes = sg.getAxes();
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = axes[i] < 0 ? axes[i] + r : axes[i];
    SliceAxis slice =
        sliceAxis(x.extents[ax], sg.getStarts()[i], sg.getEnds()[i], sg.getSteps()[i]);
    start[ax] = slice.begin;
    step[ax] = (int)sg.getSteps()[i];
    len[ax] = slice.length;
  }
  return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr inside = H::Internal::const_true();
    std::vector<H::Expr> src;
    for (int i = 0; i < r; ++i) {
      H::Expr p = idx[i] - start[i];
      inside = inside && p >= 0 && p % step[i] == 0 && p / step[i] < len[i];
      src.push_back(H::clamp(p / step[i], 0, H::max(len[i] - 1, 0)));
    }
    return H::select(inside, g(src), H::Internal::make_zero(type));
  });
}

/// numpy.take along `axis`.
Tensor lowerGather(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto g = mlir::cast<GatherOp>(op);
  Tensor a = ctx.get(g.getInput()), ind = ctx.get(g.getIndices());
  int r = a.rank(), q = ind.rank();
  int64_t axis = (int64_t)g.getAxis();
  if (axis < 0)
    axis += r;
  std::vector<H::Expr> ext(a.extents.begin(), a.extents.begin() + axis);
  ext.insert(ext.end(), ind.extents.begin(), ind.extents.end());
  ext.insert(ext.end(), a.extents.begin() + axis + 1, a.extents.end());
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> s(idx.begin(), idx.begin() + axis);
    std::vector<H::Expr> ii(idx.begin() + axis, idx.begin() + axis + q);
    H::Expr n = a.extents[axis];
    H::Expr v = H::cast<int>(ind(ii));
    v = H::select(v < 0, v + n, v);
    // Out-of-range indices are clamped (documented in docs/dialect.md).
    s.push_back(H::clamp(v, 0, n - 1));
    s.insert(s.end(), idx.begin() + axis + q, idx.end());
    return a(s);
  });
}

/// Rows of a table by index.
Tensor lowerEmbedding(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto emb = mlir::cast<EmbeddingOp>(op);
  Tensor table = ctx.get(emb.getTable()), ind = ctx.get(emb.getIndices());
  std::vector<H::Expr> ext = ind.extents;
  ext.push_back(table.extents[1]);
  int q = ind.rank();
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    std::vector<H::Expr> ii(idx.begin(), idx.begin() + q);
    H::Expr v = H::clamp(H::cast<int>(ind(ii)), 0, table.extents[0] - 1);
    return table({v, idx[q]});
  });
}

/// The cotangent of a gather: rows added back by index.
Tensor lowerScatterAdd(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto sa = mlir::cast<ScatterAddOp>(op);
  Tensor g = ctx.get(sa.getGrad()), ind = ctx.get(sa.getIndices()), ref = ctx.get(sa.getReference());
  int r = ref.rank(), q = ind.rank(), gr = g.rank();
  int64_t axis = (int64_t)sa.getAxis() < 0 ? (int64_t)sa.getAxis() + r : (int64_t)sa.getAxis();
  H::Func acc("scatter_acc");
  std::vector<H::Var> vars;
  for (int i = 0; i < r; ++i)
    vars.emplace_back("s" + std::to_string(i));
  acc(std::vector<H::Var>(vars.rbegin(), vars.rend())) = H::Internal::make_zero(type);
  H::Region region;
  for (int i = 0; i < gr; ++i)
    region.push_back(H::Range(0, g.extents[i]));
  H::RDom rg(region, "rg");
  std::vector<H::Expr> gi;
  for (int i = 0; i < gr; ++i)
    gi.push_back(rg[i]);
  std::vector<H::Expr> ii(gi.begin() + axis, gi.begin() + axis + q);
  H::Expr n = ref.extents[axis];
  H::Expr v = H::cast<int>(ind(ii));
  v = H::clamp(H::select(v < 0, v + n, v), 0, n - 1);
  std::vector<H::Expr> dst(gi.begin(), gi.begin() + axis);
  dst.push_back(v);
  dst.insert(dst.end(), gi.begin() + axis + q, gi.end());
  acc(std::vector<H::Expr>(dst.rbegin(), dst.rend())) += g(gi);
  // A scatter: serial over the cotangent (rows may repeat).
  ctx.stages.roots.push_back(acc);
  ctx.stages.serialUpdates.push_back(acc);
  return ctx.define(name, ref.extents, type, [&](const std::vector<H::Expr> &idx) {
    return acc(std::vector<H::Expr>(idx.rbegin(), idx.rend()));
  });
}

} // namespace

void populateDataMovementLowerings(LoweringRegistry &registry) {
  registry.add<TransposeOp>(lowerTranspose);
  registry.add<BroadcastToOp>(lowerBroadcastTo);
  registry.add<BroadcastLikeOp>(lowerBroadcastLike);
  registry.add<ConcatOp>(lowerConcat);
  registry.add<SliceOp>(lowerSlice);
  registry.add<SliceGradOp>(lowerSliceGrad);
  registry.add<GatherOp>(lowerGather);
  registry.add<EmbeddingOp>(lowerEmbedding);
  registry.add<ScatterAddOp>(lowerScatterAdd);
}
} // namespace halide
} // namespace dlc
