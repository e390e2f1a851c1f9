//===- Linalg.cpp - matmul and batch_matmul as Halide Funcs -----------------===//
//
// The anchor of most kernels: matmul's accumulator is a Func of its own so
// that a schedule can block it in registers (Schedules/CPU/Matmul.cpp); with
// AnchorLayout::packRows, both operands are read through packed copies.
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

/// acc(j, i) = sum_k lhs(i, k) * rhs(k, j), in a result Func of its own.
Tensor lowerMatmul(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto mm = mlir::cast<MatmulOp>(op);
  Tensor a = ctx.get(mm.getLhs()), b = ctx.get(mm.getRhs());
  H::RDom k(0, a.extents[1], "k");
  // acc(j, i) = sum_k a(i, k) * b(k, j), scheduled by the matmul schedules.
  H::Func acc("matmul_acc");
  H::Var j("j"), i("i");
  acc(j, i) = H::Internal::make_zero(type);
  MatmulStages stages;
  if (ctx.layout.packRows) {
    // Both operands packed as BLAS packs them (see the matmul_packed schedule): the
    // right-hand side in tx-column panels, [K][tx] each; the left-hand
    // side in ry-row slivers, [K][ry] each, so that the micro-kernel
    // reads both contiguously. Edge rows and columns repeat the last
    // one (their results are never stored).
    int tx = ctx.layout.packColumns, ry = ctx.layout.packRows;
    H::Var r("r"), c("c"), kk("kk"), blk("blk");
    H::Expr rows = a.extents[0], cols = b.extents[1];
    H::Func lhs("matmul_lhs_packed"), rhs("matmul_rhs_packed");
    lhs(r, kk, blk) = a({H::min(blk * ry + r, rows - 1), kk});
    rhs(c, kk, blk) = b({kk, H::min(blk * tx + c, cols - 1)});
    acc(j, i) += lhs(i % ry, k, i / ry) * rhs(j % tx, k, j / tx);
    stages.lhsPacked = lhs;
    stages.rhsPacked = rhs;
  } else {
    acc(j, i) += a({i, k}) * b({k, j});
  }
  stages.acc = acc;
  stages.k = k;
  stages.rhsIsView = isViewOp(mm.getRhs().getDefiningOp());
  stages.rhs = b.func;
  ctx.stages.matmul = stages;
  std::vector<H::Expr> ext = {a.extents[0], b.extents[1]};
  return ctx.define(name, ext, type,
                [&](const std::vector<H::Expr> &idx) { return acc(idx[1], idx[0]); });
}

/// Broadcast batch dims, then a matmul per batch element (inline sum).
Tensor lowerBatchMatmul(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto bmm = mlir::cast<BatchMatmulOp>(op);
  Tensor a = ctx.get(bmm.getLhs()), b = ctx.get(bmm.getRhs());
  auto ta = tensorType(bmm.getLhs()), tb = tensorType(bmm.getRhs());
  int R = outType.getRank(), ra = a.rank(), rb = b.rank();
  H::RDom k(0, a.extents[ra - 1], "k");
  std::vector<H::Expr> ext;
  for (int o = 0; o < R - 2; ++o) {
    int ia = o - (R - ra), ib = o - (R - rb);
    H::Expr ea = ia >= 0 ? a.extents[ia] : H::Expr(1);
    H::Expr eb = ib >= 0 ? b.extents[ib] : H::Expr(1);
    ext.push_back(resultExtent(outType, o, H::max(ea, eb)));
  }
  ext.push_back(a.extents[ra - 2]);
  ext.push_back(b.extents[rb - 1]);
  auto batchIndex = [&](const std::vector<H::Expr> &idx, mlir::RankedTensorType t,
                        int r) {
    std::vector<H::Expr> sub;
    for (int i = 0; i < r - 2; ++i) {
      int o = R - r + i;
      bool bc = !t.isDynamicDim(i) && t.getDimSize(i) == 1 &&
                !(!outType.isDynamicDim(o) && outType.getDimSize(o) == 1);
      sub.push_back(bc ? H::Expr(0) : idx[o]);
    }
    return sub;
  };
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    auto ia = batchIndex(idx, ta, ra), ib = batchIndex(idx, tb, rb);
    ia.push_back(idx[R - 2]);
    ia.push_back(k);
    ib.push_back(k);
    ib.push_back(idx[R - 1]);
    return H::sum(a(ia) * b(ib));
  });
}

} // namespace

void populateLinalgLowerings(LoweringRegistry &registry) {
  registry.add<MatmulOp>(lowerMatmul);
  registry.add<BatchMatmulOp>(lowerBatchMatmul);
}
} // namespace halide
} // namespace dlc
