//===- DLCParseFuzzer.cpp - libFuzzer target for the .dl front end --------===//
//
// Feeds arbitrary bytes through what `dlc compile` runs before code
// generation: the parser, MLIRGen, the verifier, and the dl-simplify,
// dl-training and dl-kernels pipelines (shape inference, folding, train
// step, autodiff, fusion, tiling). Any crash, assertion, hang or sanitizer
// report is a bug: bad input must only ever produce diagnostics. Halide is
// not in the target; the mutation campaign (test/E2E) covers it. See
// SECURITY.md.
//
//   scripts/fuzz.sh 60       # both fuzz targets, 60 s each
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Frontend/MLIRGen.h"
#include "dlc/Frontend/Parser.h"
#include "dlc/Pipeline/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::DialectRegistry registry;
  dlc::registerAllDialects(registry);
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  // Swallow diagnostics: only crashes matter here.
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.dl"),
      llvm::SMLoc());
  auto ast = dlc::parseSource(sourceMgr, &context);
  if (!ast)
    return 0;
  auto module = dlc::mlirGen(context, sourceMgr, *ast);
  if (!module || failed(mlir::verify(*module)))
    return 0;
  mlir::TimingScope untimed;
  if (failed(dlc::runSimplifyPipeline(*module, untimed)) ||
      failed(dlc::runTrainingPipeline(*module, untimed)))
    return 0;
  (void)dlc::runKernelPipeline(*module, {}, untimed);
  return 0;
}

#ifdef DLC_FUZZER_STANDALONE_MAIN
int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    auto buffer = llvm::MemoryBuffer::getFile(argv[i]);
    if (!buffer) {
      std::fprintf(stderr, "dlc-parse-fuzzer: cannot read %s\n", argv[i]);
      return 1;
    }
    LLVMFuzzerTestOneInput(
        reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
        (*buffer)->getBufferSize());
  }
  std::printf("ran %d inputs\n", argc - 1);
  return 0;
}
#endif
