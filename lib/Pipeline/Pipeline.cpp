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

void dlc::buildKernelPipeline(mlir::OpPassManager &pm,
                              const KernelPipelineOptions &options) {
  dl::DLFuseOptions fuse;
  fuse.singletons = !options.fuse;
  pm.addNestedPass<mlir::func::FuncOp>(dl::createDLFuse(fuse));
  dl::DLTileOptions tile;
  tile.vectorWidth = options.vectorWidth;
  tile.vectorRegisters = options.vectorRegisters;
  tile.cores = options.cores;
  tile.l2Bytes = options.l2Bytes;
  tile.scheduleFile = options.scheduleFile;
  tile.naive = !options.tile;
  pm.addPass(dl::createDLTile(tile));
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
