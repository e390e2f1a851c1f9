//===- CompileTest.cpp - The compile as a library -------------------------===//
//
// dlc's stages are library functions (Compile.h), so a compile can be run
// without the tool: whole, up to one --emit stage, or stage by stage. The
// target's facts must reach dl-tile from the one TargetSpec.

#include "dlc/Pipeline/Compile.h"
#include "dlc/Pipeline/Summary.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

namespace {

const char *kModel = R"(model tiny {
  input x: f32[batch, 64]
  let h = dense(x, 32, activation=relu)
  output y = h
}
)";

/// One compile of kModel under the name `name`, diagnostics collected.
struct Compile {
  std::unique_ptr<mlir::MLIRContext> context = dlc::createContext();
  llvm::SourceMgr sourceMgr;
  std::string diagnostics;
  mlir::TimingScope timing;
  dlc::CompileOptions options;
  dlc::CompileOutput output;
  std::string error;

  explicit Compile(llvm::StringRef name) {
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(kModel, name), llvm::SMLoc());
    context->getDiagEngine().registerHandler([this](mlir::Diagnostic &d) {
      diagnostics += d.str() + "\n";
    });
    options.inputFilename = name.str();
  }

  /// The whole compile, up to `emit`.
  mlir::LogicalResult run(dlc::Emit emit) {
    options.emit = emit;
    return dlc::compileModel(sourceMgr, *context, options, output, error,
                             timing);
  }
};

TEST(CompileTest, SummaryOfASource) {
  Compile c("tiny.dl");
  ASSERT_TRUE(succeeded(c.run(dlc::Emit::Summary))) << c.diagnostics << c.error;
  EXPECT_NE(c.output.text.find("model tiny\n"), std::string::npos)
      << c.output.text;
  EXPECT_NE(c.output.text.find("    input  x: f32[batch, 64]\n"),
            std::string::npos)
      << c.output.text;
  EXPECT_TRUE(c.output.header.empty());
}

TEST(CompileTest, TargetReachesTheSchedules) {
  Compile c("tiny.dl");
  c.options.targetName = "x86-64-avx512";
  auto module = dlc::parseModel(c.sourceMgr, *c.context, c.options, c.timing);
  ASSERT_TRUE(module) << c.diagnostics;
  ASSERT_TRUE(succeeded(dlc::runSimplifyPipeline(*module, c.timing)));
  ASSERT_TRUE(succeeded(dlc::runTrainingPipeline(*module, c.timing)));
  auto target = dlc::resolveCompileTarget(c.options, c.error);
  ASSERT_TRUE(succeeded(target)) << c.error;
  dlc::KernelPipelineOptions kernels =
      dlc::kernelPipelineOptions(c.options, *target);
  EXPECT_EQ(kernels.target.vectorWidth, 16);
  EXPECT_EQ(kernels.target.vectorRegisters, 32);
  ASSERT_TRUE(succeeded(dlc::runKernelPipeline(*module, kernels, c.timing)))
      << c.diagnostics;
  std::string schedules;
  llvm::raw_string_ostream os(schedules);
  dlc::printSchedules(*module, os);
  EXPECT_NE(schedules.find("\"vector\": 16"), std::string::npos) << schedules;
}

TEST(CompileTest, UnknownTarget) {
  Compile c("tiny.dl");
  c.options.targetName = "riscv";
  EXPECT_TRUE(failed(c.run(dlc::Emit::DLKernels)));
  EXPECT_EQ(c.error, "unknown target 'riscv' (expected host, x86-64-avx2, "
                     "x86-64-avx512 or arm64-linux)");
}

TEST(CompileTest, NoSyntaxTreeOfAModule) {
  Compile c("tiny.mlir");
  EXPECT_TRUE(failed(c.run(dlc::Emit::AST)));
  EXPECT_EQ(c.error, "--emit=ast needs a .dl file");
}

} // namespace
