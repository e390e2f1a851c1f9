//===- Compile.h - The whole compile: source to object ----------*- C++ -*-===//
//
// Every stage of `dlc`, as library functions in the order the compile runs
// them (in the spirit of CIRCT's Firtool library): the front end (a .dl
// source or a dl-dialect .mlir module), the pass pipelines of Pipeline.h,
// the host code, the Halide kernels and the linked object with its C
// header. `dlc` only parses its command line into CompileOptions and
// writes what compileModel produced; tests and other drivers can run the
// same stages, whole or one at a time.
//
// Errors that point into the model are MLIR diagnostics on the context (a
// caller installs the handler that prints or verifies them); errors without
// a location (an unknown target, a failed link, ...) come back as a
// message in `error`, which may stay empty where diagnostics said it all.
// Each stage is timed as a phase nested in the given TimingScope (pass an
// empty TimingScope to time nothing).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_COMPILE_H
#define DLC_PIPELINE_COMPILE_H

#include "dlc/Pipeline/Pipeline.h"
#include "dlc/Target/TargetSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace dlc {

/// What a compile produces (dlc's --emit): one stage's output, or the
/// object with its header.
enum class Emit {
  AST, DL, DLGrad, DLKernels, Schedules, Summary, Host, Halide, LLVM, Obj, Header
};

/// Everything the user chooses about a compile (dlc's command line).
struct CompileOptions {
  /// The input's name: a name ending in `.mlir` is read as a dl-dialect
  /// module, any other as a .dl source. The model descriptor records it.
  std::string inputFilename;
  Emit emit = Emit::DL;
  /// A --target name (resolveTarget).
  std::string targetName = "host";
  /// Prefix of the generated C symbols; empty: the model's name as a C
  /// identifier.
  std::string symbolPrefix;
  /// JSON schedule overrides for dl-tile, or empty.
  std::string scheduleFile;
  /// Off: dl as generated, without dl-simplify (--no-simplify).
  bool simplify = true;
  /// Off: every op a kernel of its own (--no-fusion).
  bool fuse = true;
  /// Off: every kernel scheduled pointwise (--no-tiling).
  bool tile = true;
  /// Kernels compiled with Halide's profiler (--profile).
  bool profile = false;
  /// The model's code instrumented with AddressSanitizer or
  /// ThreadSanitizer; not both.
  bool sanitizeAddress = false;
  bool sanitizeThread = false;
};

/// What a compile wrote.
struct CompileOutput {
  /// The emitted stage: text, or the object's bytes for Emit::Obj.
  std::string text;
  /// The C header that goes with an object (Emit::Obj only).
  std::string header;
};

/// A context for one compile, created after the command line is parsed
/// (it reads MLIR's context options): dlc's dialects loaded, and
/// diagnostics without the op's generic form, which adds nothing to a
/// message that points at the source.
std::unique_ptr<mlir::MLIRContext> createContext();

/// Prints the syntax tree of the .dl source in `sourceMgr` (Emit::AST).
/// A .mlir input has none: fails with a message.
mlir::LogicalResult printAST(llvm::SourceMgr &sourceMgr,
                             mlir::MLIRContext &context,
                             const CompileOptions &options,
                             llvm::raw_ostream &os, std::string &error,
                             mlir::TimingScope &timing);

/// The front end: parses the source in `sourceMgr` (a .dl model, or a dl
/// module as --emit=dl prints it, by `options.inputFilename`) into a dl
/// module, not yet simplified. Null after diagnostics.
mlir::OwningOpRef<mlir::ModuleOp> parseModel(llvm::SourceMgr &sourceMgr,
                                             mlir::MLIRContext &context,
                                             const CompileOptions &options,
                                             mlir::TimingScope &timing);

/// The target of `options` (its name resolved, with the profiler flag).
mlir::FailureOr<TargetSpec> resolveCompileTarget(const CompileOptions &options,
                                                 std::string &error);

/// The kernel pipeline's options for a compile to `target`.
KernelPipelineOptions kernelPipelineOptions(const CompileOptions &options,
                                            const TargetSpec &target);

/// The back half of a compile, from a module after dl-kernels: builds the
/// host code (Emit::Host and Emit::Header stop there), compiles the
/// kernels with Halide (Emit::Halide prints their lowered statements) and
/// links host code, kernels and runtimes into the object (Emit::Obj, with
/// its header) or its LLVM IR (Emit::LLVM).
mlir::LogicalResult emitModel(mlir::ModuleOp module, const TargetSpec &target,
                              const CompileOptions &options,
                              CompileOutput &output, std::string &error,
                              mlir::TimingScope &timing);

/// The whole compile of the source in `sourceMgr`, up to `options.emit`:
/// front end, dl-simplify, dl-training, dl-kernels, then emitModel.
mlir::LogicalResult compileModel(llvm::SourceMgr &sourceMgr,
                                 mlir::MLIRContext &context,
                                 const CompileOptions &options,
                                 CompileOutput &output, std::string &error,
                                 mlir::TimingScope &timing);

} // namespace dlc

#endif // DLC_PIPELINE_COMPILE_H
