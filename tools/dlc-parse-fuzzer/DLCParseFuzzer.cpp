//===- DLCParseFuzzer.cpp - libFuzzer target for the .dl front end --------===//
//
// Feeds arbitrary bytes through the parser and MLIRGen. Any crash, assert,
// hang or sanitizer report is a bug: bad input must only ever produce
// diagnostics.
//
//   cmake -DDLC_ENABLE_FUZZER=ON -DCMAKE_CXX_COMPILER=clang++ ...
//   ./bin/dlc-parse-fuzzer -max_len=4096 test/Frontend/Inputs/fuzz
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Frontend/MLIRGen.h"
#include "dlc/Frontend/Parser.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context;
  context.getOrLoadDialect<dlc::dl::DLDialect>();
  context.getOrLoadDialect<mlir::func::FuncDialect>();
  // Swallow diagnostics: only crashes matter here.
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.dl"),
      llvm::SMLoc());
  if (auto ast = dlc::parseSource(sourceMgr, &context))
    (void)dlc::mlirGen(context, sourceMgr, *ast);
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
