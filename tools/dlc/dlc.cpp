//===- dlc.cpp - The dlc compiler driver ----------------------------------===//
//
//   dlc compile model.dl [-o model.o] [--target=...] [--name=...]
//   dlc [--emit=ast|dl|summary|halide|llvm|obj|header] [-o FILE] model.dl
//
// Errors are printed as `file:line:col: error: ...` with the source line and
// a caret; dlc then exits with 1 and writes no output file.
//
// The compile itself is the library's (dlc/Pipeline/Compile.h): this file
// declares the command line, fills CompileOptions from it, and writes the
// output files.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline/Compile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

using dlc::Emit;

namespace {
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

/// The compile the command line asks for.
static dlc::CompileOptions compileOptions() {
  dlc::CompileOptions options;
  options.inputFilename = inputFilename;
  options.emit = emit;
  options.targetName = targetName;
  options.symbolPrefix = symbolPrefix;
  options.scheduleFile = scheduleFile;
  options.simplify = !noSimplify;
  options.fuse = !noFusion;
  options.tile = !noTiling;
  options.profile = profile;
  options.sanitizeAddress = sanitizeAddress;
  options.sanitizeThread = sanitizeThread;
  return options;
}

/// Compiles with the library; prints what failed without a location.
static LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                             TimingScope &timing, dlc::CompileOutput &output) {
  std::string error;
  if (succeeded(dlc::compileModel(sourceMgr, context, compileOptions(), output,
                                  error, timing)))
    return success();
  if (!error.empty())
    llvm::errs() << "dlc: error: " << error << "\n";
  return failure();
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

  std::unique_ptr<MLIRContext> context = dlc::createContext();

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
  dlc::CompileOutput output;
  if (verifyDiagnostics) {
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, context.get());
    (void)compile(*context, sourceMgr, root, output);
    return failed(handler.verify()) ? 1 : 0;
  }
  LogicalResult result = failure();
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, context.get());
    result = compile(*context, sourceMgr, root, output);
  }
  if (failed(result))
    return 1;
  // Only a successful run writes its output.
  auto outputFile = openOutputFile(outputFilename, &errorMessage);
  if (!outputFile) {
    llvm::errs() << "dlc: error: " << errorMessage << "\n";
    return 1;
  }
  if (!headerFilename.empty()) {
    auto headerFile = openOutputFile(headerFilename, &errorMessage);
    if (!headerFile) {
      llvm::errs() << "dlc: error: " << errorMessage << "\n";
      return 1;
    }
    headerFile->os() << output.header;
    headerFile->keep();
  }
  outputFile->os() << output.text;
  outputFile->keep();
  return 0;
}
