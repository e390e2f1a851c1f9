//===- Compile.cpp - The whole compile: source to object ------------------===//
//
// The stages run in a fixed order and a compile stops after the one its
// Emit asks for, so that each --emit prints exactly what the next stage
// would read. Where an error is reported matters too (which message a
// broken model gets, and whether a later check runs at all), so the
// stages keep the order in which `dlc` has always run them.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline/Compile.h"

#include "dlc/Conversion/DLToHost.h"
#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Frontend/AST.h"
#include "dlc/Frontend/MLIRGen.h"
#include "dlc/Frontend/Parser.h"
#include "dlc/Pipeline/Summary.h"
#include "dlc/Target/Halide/Kernel.h"
#include "dlc/Target/Object/ModelObject.h"

#include "mlir/Parser/Parser.h"

using namespace mlir;

std::unique_ptr<MLIRContext> dlc::createContext() {
  DialectRegistry registry;
  registerAllDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  // Diagnostics point at the source; the op's generic form adds nothing.
  context->printOpOnDiagnostic(false);
  return context;
}

static bool isMLIRInput(const dlc::CompileOptions &options) {
  return llvm::StringRef(options.inputFilename).ends_with(".mlir");
}

LogicalResult dlc::printAST(llvm::SourceMgr &sourceMgr, MLIRContext &context,
                            const CompileOptions &options, llvm::raw_ostream &os,
                            std::string &error, TimingScope &timing) {
  if (isMLIRInput(options)) {
    error = "--emit=ast needs a .dl file";
    return failure();
  }
  auto t = timing.nest("front end");
  auto ast = parseSource(sourceMgr, &context);
  if (!ast)
    return failure();
  ast::dump(*ast, sourceMgr, os);
  return success();
}

OwningOpRef<ModuleOp> dlc::parseModel(llvm::SourceMgr &sourceMgr,
                                      MLIRContext &context,
                                      const CompileOptions &options,
                                      TimingScope &timing) {
  // A dl-dialect module (as --emit=dl prints it): for tests and for models
  // produced by other front ends.
  if (isMLIRInput(options))
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  auto t = timing.nest("front end");
  auto ast = parseSource(sourceMgr, &context);
  if (!ast)
    return nullptr;
  return mlirGen(context, sourceMgr, *ast);
}

FailureOr<dlc::TargetSpec>
dlc::resolveCompileTarget(const CompileOptions &options, std::string &error) {
  auto target = resolveTarget(options.targetName, error);
  if (succeeded(target))
    target->profile = options.profile;
  return target;
}

dlc::KernelPipelineOptions
dlc::kernelPipelineOptions(const CompileOptions &options,
                           const TargetSpec &target) {
  KernelPipelineOptions kernelOptions;
  kernelOptions.target = target;
  kernelOptions.scheduleFile = options.scheduleFile;
  kernelOptions.fuse = options.fuse;
  kernelOptions.tile = options.tile;
  return kernelOptions;
}

/// The default symbol prefix: the model's name as a C identifier.
static std::string defaultPrefix(ModuleOp module) {
  auto name = module->getAttrOfType<StringAttr>(dlc::dl::DLDialect::kModelAttrName);
  return dlc::toCIdentifier(name ? name.getValue() : "model", "m_");
}

LogicalResult dlc::emitModel(ModuleOp module, const TargetSpec &target,
                             const CompileOptions &options,
                             CompileOutput &output, std::string &error,
                             TimingScope &timing) {
  llvm::raw_string_ostream os(output.text);
  Emit emit = options.emit;
  std::string prefix =
      options.symbolPrefix.empty() ? defaultPrefix(module) : options.symbolPrefix;
  HostModule hm;
  {
    auto t = timing.nest("host code");
    if (failed(buildHostModule(module, prefix, options.inputFilename, hm)))
      return failure();
  }
  if (emit == Emit::Header) {
    os << emitCHeader(hm.interface);
    return success();
  }
  if (emit == Emit::Host) {
    hm.module->print(os);
    return success();
  }
  std::vector<halide::KernelJob> jobs;
  for (const auto &k : hm.kernels) {
    jobs.push_back({&k, false});
    if (!k.largeBatchSymbol.empty())
      jobs.push_back({&k, true});
  }
  std::vector<std::string> bitcode, stmts;
  std::string halideRuntime;
  auto kernelTime = timing.nest("kernels (Halide)");
  if (failed(halide::compileKernels(module.getContext(), jobs, target, bitcode,
                                    emit == Emit::Halide ? &stmts : nullptr,
                                    emit == Emit::Halide ? nullptr : &halideRuntime,
                                    error)))
    return failure();
  kernelTime.stop();
  if (emit == Emit::Halide) {
    for (size_t j = 0; j < jobs.size(); ++j) {
      const auto &k = *jobs[j].kernel;
      os << "// kernel " << (jobs[j].largeBatch ? k.largeBatchSymbol : k.symbol) << "\n"
         << stmts[j] << "\n";
    }
    return success();
  }
  // Checked only here, after the kernels, as dlc always has: a model whose
  // kernels fail reports that first.
  if (options.sanitizeAddress && options.sanitizeThread) {
    error = "--sanitize-address and --sanitize-thread cannot be combined";
    return failure();
  }
  auto objectTime = timing.nest("object (LLVM)");
  MLIRContext *context = module.getContext();
  if (!emitModelObject(hm, target, bitcode, halideRuntime,
                       emit == Emit::LLVM ? ObjectOutput::LLVMIR
                                          : ObjectOutput::Object,
                       os, error,
                       options.sanitizeThread    ? Sanitizer::Thread
                       : options.sanitizeAddress ? Sanitizer::Address
                                                 : Sanitizer::None,
                       context->isMultithreadingEnabled() ? context->getNumThreads()
                                                          : 1u))
    return failure();
  if (emit == Emit::Obj)
    output.header = emitCHeader(hm.interface);
  return success();
}

LogicalResult dlc::compileModel(llvm::SourceMgr &sourceMgr, MLIRContext &context,
                                const CompileOptions &options,
                                CompileOutput &output, std::string &error,
                                TimingScope &timing) {
  llvm::raw_string_ostream os(output.text);
  Emit emit = options.emit;
  if (emit == Emit::AST)
    return printAST(sourceMgr, context, options, os, error, timing);
  OwningOpRef<ModuleOp> module = parseModel(sourceMgr, context, options, timing);
  if (!module)
    return failure();
  if (options.simplify && failed(runSimplifyPipeline(*module, timing)))
    return failure();
  if (emit == Emit::Summary) {
    printSummary(*module, os);
    return success();
  }
  if (emit == Emit::DL) {
    module->print(os);
    return success();
  }
  if (failed(runTrainingPipeline(*module, timing)))
    return failure();
  if (emit == Emit::DLGrad) {
    module->print(os);
    return success();
  }
  auto target = resolveCompileTarget(options, error);
  if (failed(target))
    return failure();
  if (failed(runKernelPipeline(*module, kernelPipelineOptions(options, *target),
                               timing)))
    return failure();
  if (emit == Emit::DLKernels) {
    module->print(os);
    return success();
  }
  if (emit == Emit::Schedules) {
    printSchedules(*module, os);
    return success();
  }
  return emitModel(*module, *target, options, output, error, timing);
}
