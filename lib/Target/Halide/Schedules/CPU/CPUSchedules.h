//===- CPUSchedules.h - The CPU schedule set --------------------*- C++ -*-===//
//
// How each kernel's loop nest runs on a CPU: one function per schedule kind
// (the kinds dl-tile chooses, documented in Passes.td and docs/compiling.md),
// by family -- Matmul.cpp, Conv.cpp, Recurrent.cpp, and the pointwise kind
// and the root stages in CPUSchedules.cpp. Each reads the stages the
// algorithm returned (KernelStages) and the schedule's named tile sizes;
// none defines a value. A GPU schedule set sits beside this one
// (Schedules/GPU/) with the same entry points.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_TARGET_HALIDE_SCHEDULES_CPU_CPUSCHEDULES_H
#define DLC_LIB_TARGET_HALIDE_SCHEDULES_CPU_CPUSCHEDULES_H

#include "../../Lowering.h"

#include "dlc/Dialect/DL/IR/Schedule.h"

namespace dlc {
namespace halide {
namespace cpu {

/// The operand layout that schedule `s` needs of its anchor's algorithm.
AnchorLayout layoutFor(const dl::Schedule &s, int vectorWidth);

/// Schedules a kernel's outputs and the stages its algorithm returned.
/// `targetVector` is the target's f32 lanes.
void schedule(const Kernel &kernel, const dl::Schedule &s, const KernelStages &stages,
              std::vector<H::Func> &outputs, int targetVector);

/// A named tile size, or the kind's default where the schedule gives 0.
inline int orDefault(int64_t size, int otherwise) {
  return size > 0 ? (int)size : otherwise;
}

/// What every kind's schedule reads.
struct ScheduleContext {
  const dl::Schedule &sched;
  const KernelStages &stages;
  /// Vector width of the schedule (f32 lanes).
  int V;
  /// f32 lanes of the target's vectors (the LSTM step kernels', which
  /// have no fusion group and so no schedule of their own).
  int targetVector;

  /// Only loops that the schedule lets run in parallel do.
  void parallel(H::Func f, H::VarOrRVar v) const {
    if (sched.parallel)
      f.parallel(v);
  }
  /// Fails the kernel when the kind does not fit it.
  void needs(bool ok, const std::string &what) const {
    if (!ok)
      throw Unsupported("schedule '" + sched.kindName().str() + "' needs " + what);
  }
  /// The schedule's tile as kind T's named sizes (Schedule.h).
  template <typename T>
  T tile() const {
    return T::of(sched.tile);
  }
};

/// One output of a kernel under each kind (Matmul.cpp, Conv.cpp).
void scheduleMatmulDot(const ScheduleContext &c, H::Func out);
void scheduleMatmulTiled(const ScheduleContext &c, H::Func out);
void scheduleMatmulPacked(const ScheduleContext &c, H::Func out);
void scheduleMatmulRows(const ScheduleContext &c, H::Func out);
void scheduleConvChannelTiled(const ScheduleContext &c, H::Func out);
void scheduleConvRows(const ScheduleContext &c, H::Func out);
void scheduleConvGradFilterTiled(const ScheduleContext &c, H::Func out);
void scheduleConvGradFilterRfactor(const ScheduleContext &c, H::Func out);
/// The LSTM step kernels' stages (Recurrent.cpp): the gates, and the
/// reverse step's intermediates and outputs.
void scheduleLSTMStages(const ScheduleContext &c, const LSTMStages &lstm);

} // namespace cpu
} // namespace halide
} // namespace dlc

#endif // DLC_LIB_TARGET_HALIDE_SCHEDULES_CPU_CPUSCHEDULES_H
