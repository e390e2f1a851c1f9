//===- TargetSpec.h - What dlc knows about a target -------------*- C++ -*-===//
//
// One description of the machine a model is compiled for, read by every
// stage that depends on it: dl-tile chooses schedules for its vectors,
// registers, cores and cache (through the kernel pipeline's options), the
// Halide stage compiles kernels for its Halide target, and the object
// stage builds LLVM's TargetMachine from its triple, CPU and features.
// Before, the schedule-relevant numbers were copied by hand from the
// Halide target's struct into the pipeline's and the pass's options.
//
// The header has no Halide, MLIR pass or LLVM target dependency, so that
// the pass pipelines, host code generation and the Halide library can all
// share it.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_TARGETSPEC_H
#define DLC_TARGET_TARGETSPEC_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dlc {

/// What a GPU target will need to tell its schedules (threads per warp,
/// shared memory, multiprocessors, ...). No target sets it yet: the GPU
/// targets are to fill it in from their device's documented figures.
struct GPUSpec {
  /// Threads that execute in lockstep (a warp or wavefront).
  int warpSize = 0;
  /// Multiprocessors (SMs or compute units) that take blocks in parallel.
  int multiprocessors = 0;
  /// Shared memory one block may use, in bytes.
  int64_t sharedMemoryBytes = 0;
};

/// Where and how kernels are compiled. The defaults of the schedule facts
/// are dl-tile's own (Passes.td): a target that is not resolved, as the
/// registered `dl-kernels` pipeline uses, schedules as dl-tile does alone.
struct TargetSpec {
  /// `host`, `x86-64-avx2`, `x86-64-avx512` or `arm64-linux`.
  std::string name = "host";
  /// LLVM triple for the host code and the final object.
  std::string triple;
  /// Halide target string (with no_runtime added for kernels).
  std::string halideTarget;
  /// CPU name and features for LLVM's TargetMachine.
  std::string cpu;
  std::string features;
  /// What schedules are chosen for (dl-tile): f32 lanes of the widest
  /// vectors, vector registers, threads, per-core L2 cache bytes.
  int vectorWidth = 8;
  int vectorRegisters = 16;
  int cores = 2;
  int64_t l2Bytes = 512 * 1024;
  /// A GPU's facts, for a GPU target; unset for CPU targets (all of them,
  /// for now).
  std::optional<GPUSpec> gpu;
  /// Compile kernels with Halide's profiler: at exit, the program prints
  /// the time spent in each kernel and Func (--profile).
  bool profile = false;
};

/// Resolves a --target name; fails with a message listing the valid names.
mlir::FailureOr<TargetSpec> resolveTarget(llvm::StringRef name,
                                          std::string &error);

} // namespace dlc

#endif // DLC_TARGET_TARGETSPEC_H
