//===- Pipeline.h - dlc's pass pipelines ------------------------*- C++ -*-===//
//
// Pipelines are built here and shared by dlc and dlc-opt, so that what a lit
// test runs through dlc-opt is what `dlc` runs.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_PIPELINE_H
#define DLC_PIPELINE_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

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

} // namespace dlc

#endif // DLC_PIPELINE_PIPELINE_H
