//===- CompileKernels.cpp - Kernels to LLVM bitcode with Halide -----------===//
//
// Builds every kernel's pipeline in job order (Halide names Funcs from
// process-wide counters: a fixed order keeps the object the same from run
// to run), then lowers and compiles them in parallel, each in a scratch
// directory; and compiles Halide's runtime for the target. This is the
// interface of the one library built with exceptions: every Halide error
// is caught here and becomes a diagnostic on the kernel's op.
//
//===----------------------------------------------------------------------===//

#include "KernelPipeline.h"
#include "Lowering.h"


#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Threading.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <functional>
#include <map>
#include <optional>

namespace dlc {
namespace halide {

namespace H = ::Halide;

namespace {

H::Target halideTarget(const TargetSpec &spec, bool withRuntime) {
  H::Target t = spec.halideTarget == "host" ? H::get_host_target()
                                            : H::Target(spec.halideTarget);
  if (!withRuntime)
    t = t.with_feature(H::Target::NoRuntime);
  // The host code builds every buffer a kernel sees from shapes it has
  // already checked against the model, and never asks a kernel for its
  // bounds; Halide's own checks and bounds queries would only add code.
  t = t.with_feature(H::Target::NoBoundsQuery);
  if (spec.profile)
    t = t.with_feature(H::Target::Profile);
  return t;
}

/// Runs `fn` in a scratch directory and reads back the files it wrote.
mlir::LogicalResult withScratchDir(
    const std::function<void(const std::string &dir)> &fn,
    std::string &error) {
  llvm::SmallString<128> dir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("dlc-halide", dir)) {
    error = "cannot create a temporary directory: " + ec.message();
    return mlir::failure();
  }
  std::string dirStr = dir.str().str();
  mlir::LogicalResult result = mlir::success();
  try {
    fn(dirStr);
  } catch (const H::Error &e) {
    error = e.what();
    result = mlir::failure();
  } catch (const std::exception &e) {
    error = e.what();
    result = mlir::failure();
  }
  llvm::sys::fs::remove_directories(dirStr);
  return result;
}

bool readFile(const std::string &path, std::string &out) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return false;
  out = (*buf)->getBuffer().str();
  return true;
}

} // namespace

mlir::LogicalResult compileKernels(mlir::MLIRContext *context,
                                   llvm::ArrayRef<KernelJob> jobs,
                                   const TargetSpec &target,
                                   std::vector<std::string> &bitcode,
                                   std::vector<std::string> *stmts,
                                   std::string *runtime, std::string &runtimeError) {
  // A pipeline with its arguments, built and scheduled.
  struct Built {
    std::optional<H::Pipeline> pipeline;
    std::vector<H::Argument> args;
  };
  auto locOf = [](const Kernel &kernel) {
    return kernel.anchor ? kernel.anchor->getLoc() : kernel.outputs.front().getLoc();
  };
  auto failedKernel = [&](const KernelJob &job, llvm::StringRef error) {
    const Kernel &kernel = *job.kernel;
    auto diag = mlir::emitError(locOf(kernel)) << "cannot compile kernel " << kernel.symbol;
    if (!kernel.group.empty())
      diag << " (group " << kernel.group << ", schedule '"
           << (job.largeBatch && kernel.schedule.largeBatch ? kernel.schedule.largeBatch->kindName()
                                                            : kernel.schedule.kindName())
           << "')";
    diag << " with Halide: " << error.trim();
    return mlir::failure();
  };
  H::Target t = halideTarget(target, /*withRuntime=*/false);
  // Serial and in job order: building names every Func (unique_name).
  std::vector<Built> built(jobs.size());
  bool buildFailed = false;
  for (auto [job, b] : llvm::zip(jobs, built)) {
    try {
      b.pipeline = buildKernelPipeline(*job.kernel, t, job.largeBatch, b.args);
      b.pipeline->add_custom_lowering_pass(createDropArgumentChecks());
    } catch (const H::Error &e) {
      buildFailed = true;
      (void)failedKernel(job, e.what());
    } catch (const std::exception &e) {
      buildFailed = true;
      (void)failedKernel(job, e.what());
    }
  }
  if (buildFailed)
    return mlir::failure();
  bitcode.assign(jobs.size(), "");
  if (stmts)
    stmts->assign(jobs.size(), "");
  auto compileOne = [&](size_t i) -> mlir::LogicalResult {
        if (i == jobs.size())
          return compileHalideRuntime(target, *runtime, runtimeError);
        const KernelJob &job = jobs[i];
        bool readBack = true;
        std::string error;
        auto result = withScratchDir(
            [&](const std::string &dir) {
              std::map<H::OutputFileType, std::string> files = {
                  {H::OutputFileType::bitcode, dir + "/k.bc"}};
              if (stmts)
                files[H::OutputFileType::stmt] = dir + "/k.stmt";
              mlir::Operation *main = job.kernel->mainOp();
              bool strict = main && needsStrictFloat(main);
              built[i].pipeline->compile_to(
                  files, built[i].args,
                  job.largeBatch ? job.kernel->largeBatchSymbol : job.kernel->symbol,
                  strict ? t.with_feature(H::Target::StrictFloat) : t);
              readBack = readFile(dir + "/k.bc", bitcode[i]) &&
                         (!stmts || readFile(dir + "/k.stmt", (*stmts)[i]));
            },
            error);
        if (failed(result))
          return failedKernel(job, error);
        if (!readBack) {
          mlir::emitError(locOf(*job.kernel))
              << "Halide wrote no output for kernel " << job.kernel->symbol;
          return mlir::failure();
        }
        return mlir::success();
  };
  // Lowering and code generation, the bulk of the time, in parallel. The
  // statements (--emit=halide) are lowered in job order on this thread:
  // lowering names its temporaries from Halide's process-wide counters,
  // and parallel lowering would number them differently in every run.
  size_t n = jobs.size() + (runtime ? 1 : 0);
  if (stmts) {
    mlir::LogicalResult result = mlir::success();
    for (size_t i = 0; i < n; ++i)
      if (failed(compileOne(i)))
        result = mlir::failure();
    return result;
  }
  return mlir::failableParallelForEachN(context, 0, n, compileOne);
}

mlir::LogicalResult compileHalideRuntime(const TargetSpec &target,
                                         std::string &bitcode,
                                         std::string &error) {
  bool readBack = false;
  auto result = withScratchDir(
      [&](const std::string &dir) {
        // Halide 14 emits its runtime as bitcode only along with a
        // pipeline: compile a trivial one, whose functions the object
        // emitter deletes again.
        H::ImageParam in(H::Float(32), 1, "in");
        H::Var x("x");
        H::Func f("anchor");
        f(x) = in(x);
        f.compile_to({{H::OutputFileType::bitcode, dir + "/rt.bc"}}, {in},
                     "dlc_halide_runtime_anchor",
                     halideTarget(target, /*withRuntime=*/true));
        readBack = readFile(dir + "/rt.bc", bitcode);
      },
      error);
  if (succeeded(result) && !readBack) {
    error = "Halide wrote no runtime";
    return mlir::failure();
  }
  return result;
}

} // namespace halide
} // namespace dlc
