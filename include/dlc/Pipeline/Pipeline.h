//===- Pipeline.h - dlc's pass pipelines ------------------------*- C++ -*-===//
//
// Pipelines are built here and shared by dlc and dlc-opt, so that what a lit
// test runs through dlc-opt is what `dlc` runs. The whole compile around
// them (front end, host code, kernels, object) is Compile.h's.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_PIPELINE_H
#define DLC_PIPELINE_PIPELINE_H

#include "dlc/Target/TargetSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"

#include <string>

namespace dlc {

/// Registers the dialects a dlc module may contain (dl, func, builtin).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers dlc's passes and named pipelines with the global registry, for
/// dlc-opt's command line.
void registerAllPasses();

/// The front-end clean-up every model gets: canonicalize, infer shapes,
/// canonicalize again, CSE. Registered as `dl-simplify`.
void buildSimplifyPipeline(mlir::OpPassManager &pm);

/// Adds what training needs: the train_step and evaluate entry points
/// (dl-train-step), the gradient entry point of every scalar loss
/// (dl-autodiff), then dl-simplify. Registered as `dl-training`.
void buildTrainingPipeline(mlir::OpPassManager &pm);

/// What the kernel pipeline needs to know about the target and the user's
/// choices (dlc's --target, --schedules, --no-fusion, --no-tiling).
struct KernelPipelineOptions {
  /// The machine schedules are chosen for (its vector width, vector
  /// registers, cores and L2 size); the default is dl-tile's own.
  TargetSpec target;
  /// JSON schedule overrides (see dl-tile), or empty.
  std::string scheduleFile;
  /// Off: every compute op is a group of its own.
  bool fuse = true;
  /// Off: every group is scheduled `pointwise`.
  bool tile = true;
};

/// Forms fusion groups (dl-fuse) and schedules them (dl-tile): what every
/// compiled model gets after training. Registered as `dl-kernels` (with
/// the default options).
void buildKernelPipeline(mlir::OpPassManager &pm,
                         const KernelPipelineOptions &options = {});

/// Runs dl-simplify (buildSimplifyPipeline) on `module`, timed as a phase
/// of `timing` (an empty TimingScope times nothing), as do the two below.
mlir::LogicalResult runSimplifyPipeline(mlir::ModuleOp module,
                                        mlir::TimingScope &timing);

/// Runs dl-training (buildTrainingPipeline) on `module`.
mlir::LogicalResult runTrainingPipeline(mlir::ModuleOp module,
                                        mlir::TimingScope &timing);

/// Runs dl-kernels (buildKernelPipeline) on `module`.
mlir::LogicalResult runKernelPipeline(mlir::ModuleOp module,
                                      const KernelPipelineOptions &options,
                                      mlir::TimingScope &timing);

} // namespace dlc

#endif // DLC_PIPELINE_PIPELINE_H
