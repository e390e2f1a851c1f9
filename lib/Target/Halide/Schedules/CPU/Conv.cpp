//===- Conv.cpp - CPU schedules of convolution anchors -----------------===//
//
// conv_channel_tiled (channels on vector lanes, positions in registers:
// Halide's conv_layer app schedules its CPU path alike), conv_rows (vectors
// along the output row), and the filter gradient's conv_grad_filter_tiled
// and conv_grad_filter_rfactor.
//
//===----------------------------------------------------------------------===//

#include "CPUSchedules.h"

namespace dlc {
namespace halide {
namespace cpu {

using TS = H::TailStrategy;

/// conv_channel_tiled: tile = [ct channels, xt positions, yt rows, cb input-channel block].
void scheduleConvChannelTiled(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  if (c.stages.conv && !c.stages.conv->layoutUnsupported.empty())
    c.needs(false, c.stages.conv->layoutUnsupported);
  c.needs(c.stages.conv && c.stages.conv->filter.defined() && r == 4,
          "a conv2d or unit-stride conv2d_grad_input anchor");
  ConvStages k = *c.stages.conv;
  // A register tile of CT channels (vector lanes) x XT positions along
  // the row accumulates through the whole reduction (channels, ky,
  // kx): per step CT/V filter vectors are loaded and XT inputs
  // broadcast (Halide's conv_layer app schedules its CPU path alike).
  H::Var ox = vars[0], oy = vars[1], oc = vars[2], on = vars[3];
  auto tile = c.tile<dl::ConvChannelTiledTile>();
  int ct = orDefault(tile.channels, k.channels % (2 * V) == 0 ? 2 * V : V);
  // A tile of xt positions x yt rows; both shifted inwards at the
  // edges, where dl-tile checks the output has that many.
  int xt = orDefault(tile.positions, 1), yt = orDefault(tile.rows, 1);
  H::Var oco("oco"), oci("oci"), oxo("oxo"), oxi("oxi"), oyo("oyo"), oyi("oyi"), t("t");
  out.split(oc, oco, oci, ct)
      .split(ox, oxo, oxi, xt, TS::ShiftInwards)
      .split(oy, oyo, oyi, yt, TS::ShiftInwards)
      .reorder(oci, oxi, oyi, oxo, oco, oyo, on)
      .vectorize(oci, V)
      .unroll(oci)
      .unroll(oxi)
      .unroll(oyi)
      .fuse(oyo, on, t);
  c.parallel(out, t);
  std::vector<H::Var> av = k.acc.args(); // x, y, c, n
  int cb = orDefault(tile.channelBlock, 0);
  if (cb > 0) {
    // Input channels in blocks of cb, each block over every tile of
    // the row: the block's filter slice and input rows stay in L1
    // across the tiles instead of coming from L2 at every step. The
    // accumulators of the ct channels x W x yt outputs live in a
    // stack buffer (L1), in registers through each tile's block.
    H::RVar cio("cio"), cii("cii");
    H::Var axo("axo"), axi("axi");
    k.acc.compute_at(out, oco)
        .store_in(H::MemoryType::Stack)
        .reorder_storage(av[2], av[0], av[1], av[3])
        .vectorize(av[2], V)
        .unroll(av[2]);
    k.acc.update()
        .split(k.rk.x, cio, cii, cb, TS::GuardWithIf)
        .split(av[0], axo, axi, xt, TS::GuardWithIf)
        .reorder(av[2], axi, av[1], cii, k.rk.z, k.rk.y, axo, cio, av[3])
        .vectorize(av[2], V)
        .unroll(av[2])
        .unroll(axi)
        .unroll(av[1]);
  } else {
    k.acc.compute_at(out, oxo)
        .store_in(H::MemoryType::Stack)
        .reorder_storage(av[2], av[0], av[1], av[3])
        .vectorize(av[2], V)
        .unroll(av[2])
        .unroll(av[0])
        .unroll(av[1]);
    // Input channels innermost: consecutive steps broadcast from
    // different planes, so LLVM finds no broadcast to keep live
    // across steps (as it did with kx innermost, spilling
    // accumulators).
    k.acc.update()
        .reorder(av[2], av[0], av[1], k.rk.x, k.rk.z, k.rk.y, av[3])
        .vectorize(av[2], V)
        .unroll(av[2])
        .unroll(av[0])
        .unroll(av[1]);
  }
  std::vector<H::Var> fv = k.filter.args();
  // Stored in the order the reduction walks it (kx fastest after the
  // channels), so each step's filter vectors follow the last ones
  // instead of lying O x C x KH floats away.
  k.filter.compute_root()
      .reorder_storage(fv[0], fv[1], fv[3], fv[2])
      .vectorize(fv[0], V);
  std::vector<H::Var> iv = k.input.args();
  c.parallel(k.input.compute_root(), iv[3]);
  k.input.vectorize(iv[0], V, TS::GuardWithIf);
}

/// conv_rows: tile = [output channels per tile].
void scheduleConvRows(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.conv.has_value() && r == 4,
          "a conv2d or unit-stride conv2d_grad_input anchor");
  ConvStages k = *c.stages.conv;
  // Vectors along the output row, 8 output channels per tile: each
  // input vector loaded feeds 8 FMAs. The zero-padded input is
  // materialized once so the inner loop has no boundary selects.
  H::Var ox = vars[0], oy = vars[1], oc = vars[2], on = vars[3];
  H::Var oco("oco"), oci("oci"), t("t");
  out.split(oc, oco, oci, orDefault(c.tile<dl::ConvRowsTile>().channels, 8),
            TS::GuardWithIf)
      .reorder(ox, oci, oy, oco, on)
      .vectorize(ox, V, TS::GuardWithIf)
      .unroll(oci)
      .fuse(oco, on, t);
  c.parallel(out, t);
  std::vector<H::Var> av = k.acc.args();
  k.acc.compute_at(out, oy)
      .vectorize(av[0], V, TS::GuardWithIf)
      .unroll(av[2]);
  k.acc.update()
      .reorder(av[0], av[2], k.rk.z, k.rk.y, k.rk.x, av[1], av[3])
      .vectorize(av[0], V, TS::GuardWithIf)
      .unroll(av[2]);
  std::vector<H::Var> iv = k.input.args();
  c.parallel(k.input.compute_root(), iv[3]);
  k.input.vectorize(iv[0], V, TS::GuardWithIf);
}

/// conv_grad_filter_tiled: tile = [output channels, kx per tile].
void scheduleConvGradFilterTiled(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  if (c.stages.convGradFilter && !c.stages.convGradFilter->layoutUnsupported.empty())
    c.needs(false, c.stages.convGradFilter->layoutUnsupported);
  c.needs(c.stages.convGradFilter && c.stages.convGradFilter->part.defined() && r == 4,
          "a conv2d_grad_filter anchor");
  ConvGradFilterStages k = *c.stages.convGradFilter;
  // For each batch element (serial), input channels in parallel: a
  // tile of 2V output channels x every kx stays in registers through
  // the sum over output positions, then is added into acc.
  std::vector<H::Var> av = k.acc.args(); // kx, ky, ci, o
  std::vector<H::Var> pv = k.part.args(); // kx, ky, ci, o, n
  auto tile = c.tile<dl::ConvGradFilterTiledTile>();
  int ot = orDefault(tile.channels, k.channels % (2 * V) == 0 ? 2 * V : V);
  int kxt = orDefault(tile.kx, k.kw);
  c.parallel(out, vars[3]);
  k.acc.compute_root().reorder_storage(av[3], av[0], av[1], av[2]);
  H::Var oo("oo"), oi("oi"), kxo("kxo"), kxi("kxi");
  k.acc.update()
      .split(av[3], oo, oi, ot, TS::GuardWithIf)
      .split(av[0], kxo, kxi, kxt, TS::GuardWithIf)
      .reorder(oi, kxi, kxo, oo, av[1], av[2], k.rn.x)
      .vectorize(oi, V)
      .unroll(oi)
      .unroll(kxi);
  if (c.sched.parallel)
    k.acc.update().parallel(av[2]);
  k.part.compute_at(k.acc, oo)
      .store_in(H::MemoryType::Stack)
      .reorder_storage(pv[3], pv[0], pv[1], pv[2], pv[4])
      .vectorize(pv[3], V)
      .unroll(pv[3])
      .unroll(pv[0]);
  k.part.update()
      .reorder(pv[3], pv[0], k.rp.x, k.rp.y, pv[1], pv[2], pv[4])
      .vectorize(pv[3], V)
      .unroll(pv[3])
      .unroll(pv[0]);
  std::vector<H::Var> gv = k.cotangent.args();
  c.parallel(k.cotangent.compute_root(), gv[3]);
  k.cotangent.vectorize(gv[0], V);
  std::vector<H::Var> iv = k.input.args();
  c.parallel(k.input.compute_root(), iv[3]);
  k.input.vectorize(iv[0], V, TS::GuardWithIf);
}

/// conv_grad_filter_rfactor: no tile.
void scheduleConvGradFilterRfactor(const ScheduleContext &c, H::Func out) {
  std::vector<H::Var> vars = out.args();
  int r = (int)vars.size();
  const int V = c.V;
  c.needs(c.stages.convGradFilter && !c.stages.convGradFilter->part.defined() && r == 4,
          "a conv2d_grad_filter anchor not scheduled channel-tiled");
  ConvGradFilterStages k = *c.stages.convGradFilter;
  // Sums over every batch element and output position: output
  // positions along a row go to vector lanes (rfactor), the filter
  // taps and input channels of one output channel share them.
  std::vector<H::Var> av = k.acc.args(); // kx, ky, ci, o
  c.parallel(out, vars[3]);
  k.acc.compute_at(out, vars[3]);
  H::RVar xo("xo"), xi("xi");
  H::Var u("u");
  H::Func partial =
      k.acc.update().split(k.rp.x, xo, xi, V).rfactor(xi, u);
  partial.compute_at(out, vars[3]).vectorize(u);
  partial.update()
      .reorder(u, av[0], av[1], av[2], xo, k.rp.y, k.rp.z, av[3])
      .vectorize(u);
  std::vector<H::Var> iv = k.input.args();
  c.parallel(k.input.compute_root(), iv[3]);
  k.input.vectorize(iv[0], V, TS::GuardWithIf);
}

} // namespace cpu
} // namespace halide
} // namespace dlc
