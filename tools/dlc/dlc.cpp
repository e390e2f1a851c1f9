//===- dlc.cpp - The dlc compiler driver ----------------------------------===//
//
//   dlc compile model.dl [-o model.o] [--target=...] [--name=...]
//   dlc [--emit=ast|dl|summary|halide|llvm|obj|header] [-o FILE] model.dl
//
// Errors are printed as `file:line:col: error: ...` with the source line and
// a caret; dlc then exits with 1 and writes no output file.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/Schedule.h"
#include "dlc/Frontend/AST.h"
#include "dlc/Frontend/MLIRGen.h"
#include "dlc/Frontend/Parser.h"
#include "dlc/Pipeline/Pipeline.h"
#include "dlc/Conversion/DLToHost.h"
#include "dlc/Target/Halide/Kernel.h"
#include "dlc/Target/Object/ModelObject.h"
#include "dlc/Target/TargetSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/Timing.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Emit {
  AST, DL, DLGrad, DLKernels, Schedules, Summary, Host, Halide, LLVM, Obj, Header
};

cl::OptionCategory dlcCategory("dlc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<model.dl | model.mlir>"),
                                   cl::Required, cl::cat(dlcCategory));
cl::opt<std::string> outputFilename(
    "o",
    cl::desc("Output file (default: stdout; for `dlc compile`, the input's "
             "name with .o, and the header beside it with .h)"),
    cl::value_desc("file"), cl::init(""), cl::cat(dlcCategory));
cl::opt<std::string> targetName(
    "target",
    cl::desc("Target: host (default), x86-64-avx2, x86-64-avx512, arm64-linux"),
    cl::init("host"), cl::cat(dlcCategory));
cl::opt<bool> sanitizeAddress(
    "sanitize-address",
    cl::desc("Instrument the model's code with AddressSanitizer (link the "
             "program with -fsanitize=address)"),
    cl::init(false), cl::cat(dlcCategory));
cl::opt<bool> sanitizeThread(
    "sanitize-thread",
    cl::desc("Instrument the model's code with ThreadSanitizer (link the "
             "program with -fsanitize=thread; run it with HL_NUM_THREADS=1)"),
    cl::init(false), cl::cat(dlcCategory));
cl::opt<bool> profile(
    "profile",
    cl::desc("Compile the kernels with Halide's profiler: the program prints "
             "the time spent in each kernel at exit"),
    cl::init(false), cl::cat(dlcCategory));
cl::opt<std::string> symbolPrefix(
    "name",
    cl::desc("Prefix of the generated C symbols (default: the model's name)"),
    cl::value_desc("identifier"), cl::init(""), cl::cat(dlcCategory));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::DL),
    cl::values(clEnumValN(Emit::AST, "ast", "the syntax tree of the .dl file"),
               clEnumValN(Emit::DL, "dl",
                          "the verified dl-dialect module (default)"),
               clEnumValN(Emit::DLGrad, "dl-grad",
                          "dl with the training entry points: train_step, "
                          "evaluate and the backward graphs (<entry>_grad)"),
               clEnumValN(Emit::DLKernels, "dl-kernels",
                          "dl after fusion (dl-fuse) and scheduling (dl-tile): "
                          "one dl.fusion per kernel, with its dl.schedule"),
               clEnumValN(Emit::Schedules, "schedules",
                          "every fusion group's schedule as JSON, in the "
                          "form --schedules reads"),
               clEnumValN(Emit::Summary, "summary",
                          "the model's interface, parameters and op counts"),
               clEnumValN(Emit::Host, "host",
                          "the host code (func/arith/cf/llvm dialects) that "
                          "plans the arena and calls the kernels"),
               clEnumValN(Emit::Halide, "halide",
                          "each kernel's lowered Halide statement"),
               clEnumValN(Emit::LLVM, "llvm",
                          "the linked, optimized LLVM IR of the object"),
               clEnumValN(Emit::Obj, "obj",
                          "the relocatable object and its C header "
                          "(default of `dlc compile`)"),
               clEnumValN(Emit::Header, "header", "the C header only")),
    cl::cat(dlcCategory));
cl::opt<std::string> scheduleFile(
    "schedules",
    cl::desc("JSON file of schedule overrides: {\"<entry>/<group>\": {\"kind\": "
             "..., \"vector\": 8, \"parallel\": true, \"tile\": [...]}} "
             "(start from --emit=schedules)"),
    cl::value_desc("file"), cl::init(""), cl::cat(dlcCategory));
cl::opt<bool> noFusion("no-fusion",
                       cl::desc("Give every op a kernel of its own (ablation)"),
                       cl::init(false), cl::cat(dlcCategory));
cl::opt<bool> noTiling("no-tiling",
                       cl::desc("Schedule every kernel pointwise: no tiles, "
                                "no packing (ablation)"),
                       cl::init(false), cl::cat(dlcCategory));
cl::opt<bool> noSimplify("no-simplify",
                         cl::desc("Print dl as generated, before dl-simplify "
                                  "(canonicalize, shape inference, CSE)"),
                         cl::init(false), cl::cat(dlcCategory));
cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check that the diagnostics match the expected-error/-warning "
             "comments in the input (for tests)"),
    cl::init(false), cl::cat(dlcCategory));
} // namespace

/// `f32[batch, 28, 28]` from an entry point's type and dl.dims.
static std::string describeValue(Type type, DictionaryAttr attrs) {
  auto tensor = cast<RankedTensorType>(type);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << tensor.getElementType() << "[";
  auto dims = attrs ? attrs.getAs<ArrayAttr>(dlc::dl::DLDialect::kDimsAttrName)
                    : ArrayAttr();
  for (int64_t i = 0; i < tensor.getRank(); ++i) {
    if (i)
      os << ", ";
    if (dims && i < (int64_t)dims.size())
      if (auto name = dyn_cast<StringAttr>(dims[i])) {
        os << name.getValue();
        continue;
      }
    if (tensor.isDynamicDim(i))
      os << "?";
    else
      os << tensor.getDimSize(i);
  }
  os << "]";
  return s;
}

static void printSummary(ModuleOp module, llvm::raw_ostream &os) {
  auto name = module->getAttrOfType<StringAttr>(dlc::dl::DLDialect::kModelAttrName);
  os << "model " << (name ? name.getValue() : "?") << "\n";
  int64_t numParams = 0, numValues = 0;
  for (auto p : module.getOps<dlc::dl::ParameterOp>()) {
    ++numParams;
    numValues += p.getTensorType().getNumElements();
  }
  for (auto fn : module.getOps<func::FuncOp>()) {
    auto entry = fn->getAttrOfType<StringAttr>(dlc::dl::DLDialect::kEntryAttrName);
    if (!entry)
      continue;
    os << "  entry " << entry.getValue() << "\n";
    for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
      auto argName = fn.getArgAttrOfType<StringAttr>(i, dlc::dl::DLDialect::kNameAttrName);
      os << "    input  " << (argName ? argName.getValue() : "?") << ": "
         << describeValue(fn.getArgumentTypes()[i], fn.getArgAttrDict(i)) << "\n";
    }
    for (unsigned i = 0; i < fn.getNumResults(); ++i) {
      auto resName = fn.getResultAttrOfType<StringAttr>(i, dlc::dl::DLDialect::kNameAttrName);
      os << "    output " << (resName ? resName.getValue() : "?") << ": "
         << describeValue(fn.getResultTypes()[i], fn.getResultAttrDict(i)) << "\n";
    }
    std::map<std::string, int> counts;
    int total = 0;
    fn.walk([&](Operation *op) {
      if (isa<dlc::dl::DLDialect>(op->getDialect())) {
        counts[op->getName().getStringRef().str()]++;
        ++total;
      }
    });
    os << "    ops    " << total << ":";
    for (auto &[op, n] : counts)
      os << " " << op << (n > 1 ? " x" + std::to_string(n) : "");
    os << "\n";
  }
  os << "  parameters " << numParams << " (" << numValues << " values)\n";
  for (auto p : module.getOps<dlc::dl::ParameterOp>()) {
    os << "    " << p.getSymName() << ": "
       << describeValue(p.getTensorType(), nullptr) << " = "
       << dlc::dl::stringifyInitializer(p.getInitializer())
       << (p.getNonTrainable() ? " (non-trainable)" : "") << "\n";
  }
  for (auto opt : module.getOps<dlc::dl::OptimizerOp>()) {
    os << "  optimizer " << dlc::dl::stringifyOptimizerKind(opt.getKind())
       << " learning_rate=" << opt.getLearningRate().convertToDouble();
    if (opt.getL2().convertToDouble() > 0)
      os << " l2=" << opt.getL2().convertToDouble();
    os << "\n";
  }
}

/// {"<entry>/<group>": schedule} for every fusion group, as --schedules
/// reads it back.
static void printSchedules(ModuleOp module, llvm::raw_ostream &os) {
  llvm::json::Object all;
  module.walk([&](dlc::dl::FusionOp fusion) {
    auto fn = fusion->getParentOfType<func::FuncOp>();
    auto entry = fn->getAttrOfType<StringAttr>(dlc::dl::DLDialect::kEntryAttrName);
    auto attr = fusion->getAttrOfType<DictionaryAttr>(dlc::dl::Schedule::kAttrName);
    dlc::dl::Schedule s;
    std::string error;
    if (!attr || !dlc::dl::Schedule::fromAttr(attr, s, error))
      return;
    all[(entry ? entry.str() : fn.getSymName().str()) + "/" + fusion.getName().str()] =
        s.toJSON();
  });
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(all))) << "\n";
}

/// The default symbol prefix: the model's name as a C identifier.
static std::string defaultPrefix(ModuleOp module) {
  auto name = module->getAttrOfType<StringAttr>(dlc::dl::DLDialect::kModelAttrName);
  return dlc::toCIdentifier(name ? name.getValue() : "model", "m_");
}

/// Phases of the compile, reported with --mlir-timing.
static mlir::TimingScope *rootTiming;
static mlir::TimingScope phase(llvm::StringRef name) { return rootTiming->nest(name); }

/// Kernels, host code and runtimes: the back half of `dlc compile`.
static int compileModel(ModuleOp module, const dlc::TargetSpec &target,
                        std::string &out, std::string &header) {
  llvm::raw_string_ostream os(out);
  std::string prefix = symbolPrefix.empty() ? defaultPrefix(module) : symbolPrefix;
  dlc::HostModule hm;
  {
    auto t = phase("host code");
    if (failed(dlc::buildHostModule(module, prefix, inputFilename, hm)))
      return 1;
  }
  if (emit == Emit::Header) {
    os << dlc::emitCHeader(hm.interface);
    return 0;
  }
  if (emit == Emit::Host) {
    hm.module->print(os);
    return 0;
  }
  std::string error;
  std::vector<dlc::halide::KernelJob> jobs;
  for (const auto &k : hm.kernels) {
    jobs.push_back({&k, false});
    if (!k.largeBatchSymbol.empty())
      jobs.push_back({&k, true});
  }
  std::vector<std::string> bitcode, stmts;
  std::string halideRuntime, runtimeError;
  auto kernelTime = phase("kernels (Halide)");
  if (failed(dlc::halide::compileKernels(module.getContext(), jobs, target, bitcode,
                                         emit == Emit::Halide ? &stmts : nullptr,
                                         emit == Emit::Halide ? nullptr : &halideRuntime,
                                         runtimeError))) {
    if (!runtimeError.empty())
      llvm::errs() << "dlc: error: " << runtimeError << "\n";
    return 1;
  }
  kernelTime.stop();
  if (emit == Emit::Halide)
    for (size_t j = 0; j < jobs.size(); ++j) {
      const auto &k = *jobs[j].kernel;
      os << "// kernel " << (jobs[j].largeBatch ? k.largeBatchSymbol : k.symbol) << "\n"
         << stmts[j] << "\n";
    }
  if (emit == Emit::Halide)
    return 0;
  if (sanitizeAddress && sanitizeThread) {
    llvm::errs() << "dlc: error: --sanitize-address and --sanitize-thread "
                    "cannot be combined\n";
    return 1;
  }
  auto objectTime = phase("object (LLVM)");
  if (!dlc::emitModelObject(hm, target, bitcode, halideRuntime,
                            emit == Emit::LLVM ? dlc::ObjectOutput::LLVMIR
                                               : dlc::ObjectOutput::Object,
                            os, error,
                            sanitizeThread    ? dlc::Sanitizer::Thread
                            : sanitizeAddress ? dlc::Sanitizer::Address
                                              : dlc::Sanitizer::None,
                            module.getContext()->isMultithreadingEnabled()
                                ? module.getContext()->getNumThreads()
                                : 1u)) {
    llvm::errs() << "dlc: error: " << error << "\n";
    return 1;
  }
  if (emit == Emit::Obj)
    header = dlc::emitCHeader(hm.interface);
  return 0;
}

static int compile(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                   std::string &out, std::string &header) {
  llvm::raw_string_ostream os(out);
  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(inputFilename).ends_with(".mlir")) {
    // A dl-dialect module (as --emit=dl prints it): for tests and for
    // models produced by other front ends.
    if (emit == Emit::AST) {
      llvm::errs() << "dlc: error: --emit=ast needs a .dl file\n";
      return 1;
    }
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  } else {
    auto t = phase("front end");
    auto ast = dlc::parseSource(sourceMgr, &context);
    if (!ast)
      return 1;
    if (emit == Emit::AST) {
      dlc::ast::dump(*ast, sourceMgr, os);
      return 0;
    }
    module = dlc::mlirGen(context, sourceMgr, *ast);
  }
  if (!module)
    return 1;
  if (!noSimplify) {
    PassManager pm(&context);
    auto pmTime = rootTiming->nest("dl-simplify");
    pm.enableTiming(pmTime);
    dlc::buildSimplifyPipeline(pm);
    if (failed(pm.run(*module)))
      return 1;
    pmTime.stop();
  }
  if (emit == Emit::Summary) {
    printSummary(*module, os);
    return 0;
  }
  if (emit == Emit::DL) {
    module->print(os);
    return 0;
  }
  PassManager training(&context);
  auto trainingTime = rootTiming->nest("dl-training");
  training.enableTiming(trainingTime);
  dlc::buildTrainingPipeline(training);
  if (failed(training.run(*module)))
    return 1;
  trainingTime.stop();
  if (emit == Emit::DLGrad) {
    module->print(os);
    return 0;
  }
  std::string error;
  auto target = dlc::resolveTarget(targetName, error);
  if (failed(target)) {
    llvm::errs() << "dlc: error: " << error << "\n";
    return 1;
  }
  target->profile = profile;
  dlc::KernelPipelineOptions kernelOptions;
  kernelOptions.target = *target;
  kernelOptions.scheduleFile = scheduleFile;
  kernelOptions.fuse = !noFusion;
  kernelOptions.tile = !noTiling;
  PassManager kernels(&context);
  auto kernelsTime = rootTiming->nest("dl-kernels");
  kernels.enableTiming(kernelsTime);
  dlc::buildKernelPipeline(kernels, kernelOptions);
  if (failed(kernels.run(*module)))
    return 1;
  kernelsTime.stop();
  if (emit == Emit::DLKernels) {
    module->print(os);
    return 0;
  }
  if (emit == Emit::Schedules) {
    printSchedules(*module, os);
    return 0;
  }
  return compileModel(*module, *target, out, header);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // `dlc compile ...` is `dlc --emit=obj ...` with file outputs.
  bool compileCommand = argc > 1 && llvm::StringRef(argv[1]) == "compile";
  std::vector<char *> args(argv, argv + argc);
  if (compileCommand)
    args.erase(args.begin() + 1);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(dlcCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { os << "dlc 0.1.0\n"; });
  cl::ParseCommandLineOptions(
      args.size(), args.data(),
      "dlc: the ahead-of-time deep-learning compiler\n\n"
      "  dlc compile model.dl [-o model.o] [--target=T] [--name=P]\n"
      "    writes model.o (kernels, host code, runtime: link it with\n"
      "    `cc app.c model.o -lpthread -ldl -lm`) and model.h (its C API).\n"
      "  dlc model.dl --emit=ast|dl|dl-grad|dl-kernels|schedules|summary|\n"
      "                      host|halide|llvm|header\n"
      "    prints one stage (default: dl).\n\n"
      "  --mlir-timing prints the time of each phase (front end, passes,\n"
      "  host code, kernels, object).\n\n"
      "  Errors: file:line:col with the source line and a caret; exit 1,\n"
      "  and no output file is written.\n");
  if (compileCommand && emit.getNumOccurrences() == 0)
    emit = Emit::Obj;
  std::string headerFilename;
  if (emit == Emit::Obj) {
    if (outputFilename.empty()) {
      llvm::SmallString<128> o(llvm::sys::path::filename(inputFilename));
      llvm::sys::path::replace_extension(o, ".o");
      outputFilename = o.str().str();
    }
    if (outputFilename == "-") {
      llvm::errs() << "dlc: error: an object file needs -o FILE\n";
      return 1;
    }
    llvm::SmallString<128> h(outputFilename.getValue());
    llvm::sys::path::replace_extension(h, ".h");
    headerFilename = h.str().str();
  }
  if (outputFilename.empty())
    outputFilename = "-";

  DialectRegistry registry;
  dlc::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics point at the source; the op's generic form adds nothing.
  context.printOpOnDiagnostic(false);

  std::string errorMessage;
  auto file = openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << "dlc: error: " << errorMessage << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());

  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope root = timing.getRootScope();
  rootTiming = &root;
  std::string out, header;
  int rc;
  if (verifyDiagnostics) {
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
    compile(context, sourceMgr, out, header);
    return failed(handler.verify()) ? 1 : 0;
  }
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    rc = compile(context, sourceMgr, out, header);
  }
  if (rc != 0)
    return rc;
  // Only a successful run writes its output.
  auto output = openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << "dlc: error: " << errorMessage << "\n";
    return 1;
  }
  if (!headerFilename.empty()) {
    auto headerFile = openOutputFile(headerFilename, &errorMessage);
    if (!headerFile) {
      llvm::errs() << "dlc: error: " << errorMessage << "\n";
      return 1;
    }
    headerFile->os() << header;
    headerFile->keep();
  }
  output->os() << out;
  output->keep();
  return 0;
}
