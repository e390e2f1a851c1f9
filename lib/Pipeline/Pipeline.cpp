//===- Pipeline.cpp - dlc's pass pipelines --------------------------------===//

#include "dlc/Pipeline/Pipeline.h"

#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

void dlc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<dl::DLDialect, mlir::func::FuncDialect>();
}

void dlc::buildSimplifyPipeline(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addNestedPass<mlir::func::FuncOp>(dl::createDLShapeInference());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void dlc::buildTrainingPipeline(mlir::OpPassManager &pm) {
  pm.addPass(dl::createDLTrainStep());
  pm.addPass(dl::createDLAutodiff());
  buildSimplifyPipeline(pm);
}

/// dl-tile's options from the target: the one place its pass options (which
/// dlc-opt's tests set by hand) are filled from a TargetSpec.
static dlc::dl::DLTileOptions
tileOptions(const dlc::KernelPipelineOptions &options) {
  dlc::dl::DLTileOptions tile;
  tile.vectorWidth = options.target.vectorWidth;
  tile.vectorRegisters = options.target.vectorRegisters;
  tile.cores = options.target.cores;
  tile.l2Bytes = options.target.l2Bytes;
  tile.scheduleFile = options.scheduleFile;
  tile.naive = !options.tile;
  return tile;
}

void dlc::buildKernelPipeline(mlir::OpPassManager &pm,
                              const KernelPipelineOptions &options) {
  dl::DLFuseOptions fuse;
  fuse.singletons = !options.fuse;
  pm.addNestedPass<mlir::func::FuncOp>(dl::createDLFuse(fuse));
  pm.addPass(dl::createDLTile(tileOptions(options)));
}

/// Runs the pipeline `build` adds on `module`, timed as the phase `name`.
static mlir::LogicalResult
runPipeline(mlir::ModuleOp module, llvm::StringRef name,
            llvm::function_ref<void(mlir::OpPassManager &)> build,
            mlir::TimingScope &timing) {
  mlir::PassManager pm(module.getContext());
  auto t = timing.nest(name);
  pm.enableTiming(t);
  build(pm);
  return pm.run(module);
}

mlir::LogicalResult dlc::runSimplifyPipeline(mlir::ModuleOp module,
                                              mlir::TimingScope &timing) {
  return runPipeline(module, "dl-simplify", buildSimplifyPipeline, timing);
}

mlir::LogicalResult dlc::runTrainingPipeline(mlir::ModuleOp module,
                                              mlir::TimingScope &timing) {
  return runPipeline(module, "dl-training", buildTrainingPipeline, timing);
}

mlir::LogicalResult dlc::runKernelPipeline(mlir::ModuleOp module,
                                           const KernelPipelineOptions &options,
                                           mlir::TimingScope &timing) {
  return runPipeline(
      module, "dl-kernels",
      [&](mlir::OpPassManager &pm) { buildKernelPipeline(pm, options); }, timing);
}

void dlc::registerAllPasses() {
  dl::registerDLPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::PassPipelineRegistration<>(
      "dl-simplify", "canonicalize, infer shapes, canonicalize, CSE",
      [](mlir::OpPassManager &pm) { buildSimplifyPipeline(pm); });
  mlir::PassPipelineRegistration<>(
      "dl-training", "dl-train-step, dl-autodiff, then dl-simplify",
      [](mlir::OpPassManager &pm) { buildTrainingPipeline(pm); });
  mlir::PassPipelineRegistration<>(
      "dl-kernels", "dl-fuse, then dl-tile (default target: 8 lanes, 2 cores)",
      [](mlir::OpPassManager &pm) { buildKernelPipeline(pm); });
}
