//===- Pipeline.h - dlc's pass pipelines ------------------------*- C++ -*-===//
//
// Pipelines are built here and shared by dlc and dlc-opt, so that what a lit
// test runs through dlc-opt is what `dlc` runs.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_PIPELINE_H
#define DLC_PIPELINE_PIPELINE_H

#include "dlc/Target/TargetSpec.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

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

} // namespace dlc

#endif // DLC_PIPELINE_PIPELINE_H
