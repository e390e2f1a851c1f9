//===- Matmul.cpp - CPU schedules of matmul anchors --------------------===//
//
// matmul_dot (few rows: k on vector lanes), matmul_tiled (register blocks,
// packed panels), matmul_packed (GotoBLAS / BLIS) and matmul_rows (rows in
// parallel, columns on lanes). Which one a kernel gets, dl-tile decides
// (Tile.cpp); what their tile sizes mean is in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "CPUSchedules.h"

namespace dlc {
namespace halide {
namespace cpu {

using TS = H::TailStrategy;

/// A matmul's transposed right-hand side (w^T of a dense layer), made
/// contiguous once per call, in V x V blocks: each block's V strided
/// rows of w are read while they share cache lines, and its stores are
/// whole vectors (2x faster than a row at a time for the MLP's 784 x 128
/// weight: 27-32 against 60 us).
static void transposeOnce(const ScheduleContext &c, H::Func t) {
  const int V = c.V;
  std::vector<H::Var> a = t.args(); // j, k
  H::Var jo("tjo"), ko("tko"), ji("tji"), ki("tki");
  t.compute_root()
      .tile(a[0], a[1], jo, ko, ji, ki, V, V, TS::GuardWithIf)
      .vectorize(ji)
      .unroll(ki);
  c.parallel(t, ko);
}

/// matmul_dot: tile = [outputs per task].
void scheduleMatmulDot(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.matmul.has_value() && r == 2, "a matmul anchor");
  MatmulStages m = *c.stages.matmul;
  // x @ w^T with w stored [N, K] (every dense layer) and few rows: a
  // weight-bandwidth-bound matrix-vector product. Both operands are
  // contiguous along k, so k is vectorized -- V partial sums per output,
  // by rfactor -- over 8 outputs at a time, in parallel; w is read once.
  H::Var j = vars[0], i = vars[1], jo("jo"), io("io"), ji("ji"), ii("ii"), t("t");
  out.tile(j, i, jo, io, ji, ii, orDefault(c.tile<dl::MatmulDotTile>().outputs, 8), 1,
           TS::GuardWithIf)
      .fuse(jo, io, t);
  c.parallel(out, t);
  H::RVar ko("ko"), ki("ki");
  H::Var u("u");
  H::Func partial =
      m.acc.update().split(m.k.x, ko, ki, V).rfactor(ki, u);
  m.acc.compute_at(out, t);
  H::Var aj = m.acc.args()[0], ai = m.acc.args()[1];
  partial.compute_at(out, t).vectorize(u);
  partial.update().reorder(u, aj, ai, ko).vectorize(u).unroll(aj).unroll(ai);
}

/// matmul_tiled: tile = [tx columns, ty rows per task, ry register rows, transpose w^T once].
void scheduleMatmulTiled(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.matmul.has_value() && r == 2, "a matmul anchor");
  MatmulStages m = *c.stages.matmul;
  // Register blocking as Halide's matrix-multiplication performance
  // test: the output in tiles of tx columns x ty rows (tasks in
  // parallel), each computed ry rows at a time with tx / V x ry vector
  // accumulators live through the whole k loop; the right-hand side's
  // tx-column panel, packed, stays in L2 while the tile's rows stream
  // over it.
  auto tile = c.tile<dl::MatmulTiledTile>();
  int tx = orDefault(tile.columns, 3 * V), ty = orDefault(tile.rows, 32),
      ry = orDefault(tile.registerRows, 4);
  H::Var j = vars[0], i = vars[1], jo("jo"), io("io"), ji("ji"), ii("ii"), iii("iii"),
         t("t");
  // Shifted tails read no column or row outside the operands (the
  // accumulators are computed for whole register tiles); they need at
  // least tx columns and ry rows, which dl-tile checks.
  // Rows split into whole ry-row blocks first (the last one shifted),
  // then ty / ry blocks per task (the last task guarded).
  H::Var ib("ib");
  out.split(j, jo, ji, tx, TS::ShiftInwards)
      .split(i, ib, iii, ry, TS::ShiftInwards)
      .split(ib, io, ii, std::max(1, ty / ry), TS::GuardWithIf)
      .reorder(ji, iii, ii, jo, io)
      .fuse(jo, io, t)
      .vectorize(ji, V)
      .unroll(ji)
      .unroll(iii);
  c.parallel(out, t);
  H::Var aj = m.acc.args()[0], ai = m.acc.args()[1];
  m.acc.compute_at(out, ii)
      .store_in(H::MemoryType::Register)
      .bound_extent(aj, tx)
      .bound_extent(ai, ry)
      .vectorize(aj, V)
      .unroll(aj)
      .unroll(ai);
  m.acc.update()
      .reorder(aj, ai, m.k.x)
      .vectorize(aj, V)
      .unroll(aj)
      .unroll(ai);
  // The task's tx-column panel of the right-hand side is packed
  // contiguous first (as BLAS packs B): its rows are then adjacent
  // instead of a full row stride apart, which costs cache sets and TLB
  // entries at large N.
  // A transposed view (w^T of a dense layer) is either transposed once
  // per call first (tile[3] = 1: small weights, many row tiles) or
  // packed straight from w by each task (large weights, few rows).
  if (m.rhsIsView && tile.transposeOnce)
    transposeOnce(c, m.rhs);
  H::Func panel = m.rhs.in(m.acc);
  panel.compute_at(out, t);
  panel.vectorize(panel.args()[0], V, TS::GuardWithIf);
}

/// matmul_packed: tile = [tx, ty, ry, kc, nc].
void scheduleMatmulPacked(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.matmul && c.stages.matmul->lhsPacked.defined() && r == 2,
          "a matmul anchor");
  MatmulStages m = *c.stages.matmul;
  // GotoBLAS / BLIS (Goto and van de Geijn, "Anatomy of high-performance
  // matrix multiplication", TOMS 2008; BLIS's haswell 6 x 16 sgemm
  // micro-kernel): the right-hand side is packed once per call into
  // tx-column panels; tasks of ty rows x nc columns run in parallel;
  // within a task, k runs in kc-long slices, and per slice the task's
  // rows are packed into ry-row slivers (L2) that stream past each
  // panel's kc x tx slice (L1) while tx / V x ry accumulators stay in
  // registers. Each slice's sums are added into the task's ty x nc
  // tile.
  auto tile = c.tile<dl::MatmulPackedTile>();
  int tx = orDefault(tile.columns, 2 * V), ty = orDefault(tile.rows, 192),
      ry = orDefault(tile.registerRows, 6), kc = orDefault(tile.depth, 256),
      nc = orDefault(tile.taskColumns, 512);
  c.needs(tx % V == 0 && ty % ry == 0 && nc % tx == 0,
        "tile [tx, ty, ry, kc, nc] with tx a multiple of the vector, ty of ry "
        "and nc of tx");
  H::Var j = vars[0], i = vars[1], jc("jc"), jj("jj"), io("io"), ii("ii"), t("t");
  out.split(i, io, ii, ty, TS::GuardWithIf)
      .split(j, jc, jj, nc, TS::GuardWithIf)
      .reorder(jj, ii, jc, io)
      .fuse(jc, io, t)
      .vectorize(jj, V, TS::GuardWithIf);
  c.parallel(out, t);
  H::RVar ko("ko"), ki("ki");
  H::Var u("u"), ajo("ajo"), aji("aji"), aio("aio"), aii("aii");
  H::Func part =
      m.acc.update().split(m.k.x, ko, ki, kc, TS::GuardWithIf).rfactor(ko, u);
  H::Var aj = m.acc.args()[0], ai = m.acc.args()[1];
  m.acc.compute_at(out, t).vectorize(aj, V, TS::GuardWithIf);
  m.acc.update()
      .split(aj, ajo, aji, tx, TS::GuardWithIf)
      .split(ai, aio, aii, ry, TS::GuardWithIf)
      .reorder(aji, aii, aio, ajo, ko)
      .vectorize(aji, V)
      .unroll(aji)
      .unroll(aii);
  std::vector<H::Var> pv = part.args(); // j, i, u
  part.compute_at(m.acc, aio)
      .store_in(H::MemoryType::Register)
      .bound_extent(pv[0], tx)
      .bound_extent(pv[1], ry)
      .vectorize(pv[0], V)
      .unroll(pv[0])
      .unroll(pv[1])
      .unroll(pv[2]);
  part.update()
      .reorder(pv[0], pv[1], ki, pv[2])
      .vectorize(pv[0], V)
      .unroll(pv[0])
      .unroll(pv[1]);
  std::vector<H::Var> rv = m.rhsPacked.args(); // c, k, block
  m.rhsPacked.compute_root().bound(rv[0], 0, tx).vectorize(rv[0], V);
  c.parallel(m.rhsPacked, rv[2]);
  std::vector<H::Var> lv = m.lhsPacked.args(); // r, k, block
  m.lhsPacked.compute_at(m.acc, ko).bound(lv[0], 0, ry).unroll(lv[0]);
}

/// matmul_rows: no tile.
void scheduleMatmulRows(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.matmul.has_value() && r == 2, "a matmul anchor");
  MatmulStages m = *c.stages.matmul;
  // Many rows (or a plain [K, N] right-hand side): w^T is packed
  // contiguous once per call, then each row's accumulators stream over
  // it with j vectorized; rows run in parallel.
  H::Var j = vars[0], i = vars[1];
  c.parallel(out, i);
  out.vectorize(j, V, TS::GuardWithIf);
  H::Var aj = m.acc.args()[0], ai = m.acc.args()[1];
  m.acc.compute_at(out, i).vectorize(aj, V, TS::GuardWithIf);
  m.acc.update().reorder(aj, m.k.x, ai).vectorize(aj, V, TS::GuardWithIf);
  if (m.rhsIsView)
    transposeOnce(c, m.rhs);
}

} // namespace cpu
} // namespace halide
} // namespace dlc
