//===- CPUSchedules.cpp - The CPU schedule set: dispatch and root stages --===//
//
// Picks each kind's schedule (Matmul.cpp, Conv.cpp), schedules the stages
// every kind shares -- per-row statistics at root, pooling argmaxes,
// serial scatters -- and the pointwise kind: vectors along the innermost
// dim, the outermost in parallel.
//
//===----------------------------------------------------------------------===//

#include "CPUSchedules.h"

namespace dlc {
namespace halide {
namespace cpu {

using TS = H::TailStrategy;

AnchorLayout layoutFor(const dl::Schedule &s, int vectorWidth) {
  AnchorLayout layout;
  if (s.kind == dl::ScheduleKind::MatmulPacked) {
    // matmul_packed's micro-kernel reads tx-column panels and ry-row
    // slivers.
    auto tile = dl::MatmulPackedTile::of(s.tile);
    layout.packColumns = orDefault(tile.columns, 2 * vectorWidth);
    layout.packRows = orDefault(tile.registerRows, 6);
  }
  layout.channelsInnermostFilter = s.kind == dl::ScheduleKind::ConvChannelTiled;
  layout.perBatchFilterGradient = s.kind == dl::ScheduleKind::ConvGradFilterTiled;
  return layout;
}

void schedule(const Kernel &kernel, const dl::Schedule &s, const KernelStages &stages,
              std::vector<H::Func> &outputs, int targetVector) {
  ScheduleContext c{s, stages, (int)s.vector, targetVector};
  if (stages.lstm)
    scheduleLSTMStages(c, *stages.lstm);
  // The reverse LSTM step's outputs are scheduled with its stages.
  if (kernel.kind == Kernel::Kind::LSTMGradCell)
    return;
  for (H::Func f : stages.windowArgmax)
    f.compute_root().parallel(f.args().back());
  for (H::Func f : stages.serialUpdates)
    f.update().unscheduled();
  for (H::Func f : stages.roots) {
    f.compute_root();
    if (f.dimensions() >= 2)
      c.parallel(f, f.args().back());
  }
  using KindSchedule = void (*)(const ScheduleContext &, H::Func);
  KindSchedule kindSchedule = nullptr;
  switch (s.kind) {
  case dl::ScheduleKind::Pointwise: break;
  case dl::ScheduleKind::MatmulDot: kindSchedule = scheduleMatmulDot; break;
  case dl::ScheduleKind::MatmulTiled: kindSchedule = scheduleMatmulTiled; break;
  case dl::ScheduleKind::MatmulPacked: kindSchedule = scheduleMatmulPacked; break;
  case dl::ScheduleKind::MatmulRows: kindSchedule = scheduleMatmulRows; break;
  case dl::ScheduleKind::ConvGradFilterTiled: kindSchedule = scheduleConvGradFilterTiled; break;
  case dl::ScheduleKind::ConvGradFilterRfactor:
    kindSchedule = scheduleConvGradFilterRfactor;
    break;
  case dl::ScheduleKind::ConvChannelTiled: kindSchedule = scheduleConvChannelTiled; break;
  case dl::ScheduleKind::ConvRows: kindSchedule = scheduleConvRows; break;
  }
  for (H::Func &out : outputs) {
    std::vector<H::Var> vars = out.args();
    int r = (int)vars.size();
    if (r == 0)
      continue;
    if (kindSchedule) {
      kindSchedule(c, out);
      continue;
    }
    out.vectorize(vars[0], c.V, TS::GuardWithIf);
    if (r >= 2)
      c.parallel(out, vars[r - 1]);
  }
}

} // namespace cpu
} // namespace halide
} // namespace dlc
