//===- ModelObject.cpp - Host code + kernels + runtimes -> one object -----===//

#include "dlc/Target/Object/ModelObject.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/ObjCopy/ConfigManager.h"
#include "llvm/ObjCopy/ObjCopy.h"
#include "llvm/Object/Binary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"
#include "llvm/Transforms/Instrumentation/ThreadSanitizer.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace dlc {
namespace {

/// Halide names a kernel's parallel-loop closures
/// `<kernel>_par_for_<unique_name(loop)>`: unique_name counts in buckets
/// shared by the whole process, which kernels lowered on other threads
/// bump in an order that changes from run to run (the same closure came out
/// as `..._s0_gn` in one compile and `..._s0_gn__1` in the next). The
/// closures of one kernel are named again from their loops, numbered in
/// module order where two coincide, so that the object does not depend on
/// thread timing. (They are not internal yet: emitModelObject internalizes
/// them with everything else the model does not export.)
void renameClosures(llvm::Module &m) {
  std::vector<std::pair<llvm::Function *, std::string>> closures;
  for (llvm::Function &f : m) {
    if (f.isDeclaration() || !f.getName().contains("_par_for_"))
      continue;
    // unique_name's "$<n>", which Halide's C-style names spell "__<n>".
    llvm::StringRef name = f.getName();
    llvm::StringRef base = name.rtrim("0123456789");
    if (base.size() < name.size() && base.ends_with("__"))
      name = base.drop_back(2);
    // A Func's own "$<n>" inside the loop name comes out as "__<n>" or, when
    // Halide's unique_name sanitized it, "_<n>", depending on which thread
    // lowered first: one underscore either way.
    std::string canonical;
    for (char c : name)
      if (c != '_' || canonical.empty() || canonical.back() != '_')
        canonical += c;
    closures.emplace_back(&f, canonical);
  }
  for (auto &[f, name] : closures)
    f->setName("");
  for (auto &[f, name] : closures) {
    std::string candidate = name;
    for (int n = 1; m.getNamedValue(candidate); ++n)
      candidate = name + "_" + std::to_string(n);
    f->setName(candidate);
  }
}

#include "dlc_runtime_aarch64.inc"
#include "dlc_runtime_x86_64.inc"

llvm::Attribute::AttrKind sanitizerAttribute(Sanitizer s) {
  return s == Sanitizer::Thread ? llvm::Attribute::SanitizeThread
                                : llvm::Attribute::SanitizeAddress;
}

llvm::StringRef runtimeBitcode(llvm::StringRef triple) {
  if (triple.starts_with("aarch64"))
    return llvm::StringRef(reinterpret_cast<const char *>(dlc_runtime_aarch64),
                           sizeof(dlc_runtime_aarch64));
  return llvm::StringRef(reinterpret_cast<const char *>(dlc_runtime_x86_64),
                         sizeof(dlc_runtime_x86_64));
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetSpec &target,
                                                         std::string &error) {
  std::string lookupError;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(target.triple, lookupError);
  if (!llvmTarget) {
    error = "no LLVM target for " + target.triple + ": " + lookupError;
    return nullptr;
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      target.triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    error = "cannot create a target machine for " + target.triple;
  return tm;
}

/// Generates `module`'s relocatable object into `object`.
bool emitObject(llvm::Module &module, llvm::TargetMachine &tm, std::string &object,
                std::string &error) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream bos(buffer);
  llvm::legacy::PassManager codegen;
  if (tm.addPassesToEmitFile(codegen, bos, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  codegen.run(module);
  object.assign(buffer.data(), buffer.size());
  return true;
}

/// Parts the module is split into for code generation. Fixed, not per
/// thread: the split decides the object's layout, which must not depend on
/// the cores of the machine that compiles. Eight keep two cores busy
/// though the parts' sizes differ (they are taken in turn).
constexpr unsigned kCodegenParts = 8;

/// Compiles `module` to one relocatable object on `threads` threads: the
/// module is split into kCodegenParts parts (each compiled with its own
/// context and target machine), their objects are merged with `ld -r`,
/// and the `internalized` symbols (global in their own modules, made
/// internal in the model's) are global (hidden) across the parts and made
/// local again in the merged object, so that it exports what a
/// whole-module compile does. Symbols local from the start stay local, in
/// the part of their users.
bool splitCodegen(std::unique_ptr<llvm::Module> module, const llvm::StringSet<> &internalized,
                  const TargetSpec &target, llvm::StringRef ld, unsigned threads,
                  std::string &object, std::string &error) {
  std::vector<std::string> locals;
  for (llvm::GlobalValue &gv : module->global_values())
    if (!gv.isDeclaration() && gv.hasLocalLinkage() && internalized.contains(gv.getName())) {
      gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
      gv.setVisibility(llvm::GlobalValue::HiddenVisibility);
      locals.push_back(gv.getName().str());
    }
  std::vector<std::string> parts;
  llvm::SplitModule(
      *module, kCodegenParts,
      [&](std::unique_ptr<llvm::Module> part) {
        std::string bitcode;
        llvm::raw_string_ostream bos(bitcode);
        llvm::WriteBitcodeToFile(*part, bos);
        parts.push_back(std::move(bitcode));
      },
      /*PreserveLocals=*/true);
  module.reset();
  std::vector<std::string> objects(parts.size()), errors(parts.size());
  auto compilePart = [&](size_t i) {
    llvm::LLVMContext partContext;
    auto parsed = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(parts[i], "part" + std::to_string(i)), partContext);
    if (!parsed) {
      errors[i] = "cannot read back code part " + std::to_string(i) + ": " +
                  llvm::toString(parsed.takeError());
      return;
    }
    std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(target, errors[i]);
    if (tm)
      emitObject(**parsed, *tm, objects[i], errors[i]);
  };
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < parts.size();)
      compilePart(i);
  };
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < std::min<unsigned>(threads, parts.size()); ++t)
    workers.emplace_back(work);
  work();
  for (std::thread &w : workers)
    w.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return false;
    }

  llvm::SmallString<128> dir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("dlc-object", dir)) {
    error = "cannot create a temporary directory: " + ec.message();
    return false;
  }
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(dir); });
  std::vector<std::string> argv = {ld.str(), "-r", "-o"};
  std::string mergedPath = (dir + "/model.o").str();
  argv.push_back(mergedPath);
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string path = (dir + "/part" + llvm::Twine(i) + ".o").str();
    std::error_code ec;
    llvm::raw_fd_ostream f(path, ec, llvm::sys::fs::OF_None);
    if (ec) {
      error = "cannot write " + path + ": " + ec.message();
      return false;
    }
    f << objects[i];
    f.close();
    if (f.has_error()) {
      error = "cannot write " + path + ": " + f.error().message();
      f.clear_error();
      return false;
    }
    argv.push_back(path);
  }
  std::string logPath = (dir + "/ld.log").str();
  std::vector<llvm::StringRef> args(argv.begin(), argv.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(logPath),
                                                llvm::StringRef(logPath)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(ld, args, std::nullopt, redirects, 0, 0, &execError);
  auto merged = llvm::MemoryBuffer::getFile(mergedPath);
  if (rc != 0 || !merged) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    error = "merging the object's parts with '" + ld.str() + " -r' failed" +
            (execError.empty() ? "" : ": " + execError) +
            (log ? ": " + llvm::StringRef((*log)->getBuffer()).trim().str() : "");
    return false;
  }

  llvm::objcopy::ConfigManager config;
  auto ignore = [](llvm::Error e) { return e; };
  for (const std::string &name : locals)
    if (llvm::Error e = config.Common.SymbolsToLocalize.addMatcher(
            llvm::objcopy::NameOrPattern::create(name, llvm::objcopy::MatchStyle::Literal,
                                                 ignore))) {
      error = llvm::toString(std::move(e));
      return false;
    }
  auto binary = llvm::object::createBinary((*merged)->getMemBufferRef());
  if (!binary) {
    error = "cannot read the merged object: " + llvm::toString(binary.takeError());
    return false;
  }
  llvm::raw_string_ostream out(object);
  if (llvm::Error e = llvm::objcopy::executeObjcopyOnBinary(config, **binary, out)) {
    error = "cannot localize the merged object's internal symbols: " +
            llvm::toString(std::move(e));
    return false;
  }
  return true;
}
} // namespace

bool emitModelObject(HostModule &hm, const TargetSpec &target,
                     const std::vector<std::string> &kernelBitcode,
                     llvm::StringRef halideRuntimeBitcode, ObjectOutput output, llvm::raw_ostream &os,
                     std::string &error, Sanitizer sanitizer, unsigned codegenThreads) {
  bool sanitize = sanitizer != Sanitizer::None;
  mlir::ModuleOp host = *hm.module;
  mlir::MLIRContext *ctx = host.getContext();
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  ctx->appendDialectRegistry(registry);

  mlir::PassManager pm(ctx);
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  if (mlir::failed(pm.run(host))) {
    error = "lowering the host code to the LLVM dialect failed";
    return false;
  }

  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
    return true;
  }();
  (void)initialized;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(target, error);
  if (!tm)
    return false;

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module =
      mlir::translateModuleToLLVMIR(host, llvmContext, hm.interface.prefix);
  if (!module) {
    error = "translating the host code to LLVM IR failed";
    return false;
  }
  module->setDataLayout(tm->createDataLayout());
  module->setTargetTriple(target.triple);

  // The host code and dlc's runtime are optimized together; the kernels
  // and the Halide runtime come optimized from Halide, and only join
  // afterwards (optimizing them again took most of a compile). Under
  // AddressSanitizer everything is instrumented, so everything goes
  // through the pipeline.
  auto link = [&](const std::string &what, llvm::StringRef bitcode,
                  bool isKernel = false) {
    auto parsed =
        llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, what), llvmContext);
    if (!parsed) {
      error = "cannot read the bitcode of " + what + ": " +
              llvm::toString(parsed.takeError());
      return false;
    }
    std::unique_ptr<llvm::Module> part = std::move(*parsed);
    if (isKernel)
      renameClosures(*part);
    part->setDataLayout(module->getDataLayout());
    part->setTargetTriple(target.triple);
    // Halide records whether a module's fast-math flags are per instruction
    // (any strict_float in it, e.g. NaN-propagating max) and otherwise
    // relies on global no-NaNs target options. dlc's target machine sets no
    // global fast-math options, so every part is per instruction; one value
    // also keeps the linker from warning about the difference.
    static constexpr llvm::StringLiteral kPerInstructionFastMath =
        "halide_per_instruction_fast_math_flags";
    if (part->getModuleFlag(kPerInstructionFastMath))
      part->setModuleFlag(llvm::Module::Warning, kPerInstructionFastMath, 1);
    if (llvm::Linker::linkModules(*module, std::move(part))) {
      error = "cannot link " + what + " into the model";
      return false;
    }
    return true;
  };
  auto optimize = [&] {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(tm.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    if (sanitizer == Sanitizer::Address)
      pb.registerOptimizerLastEPCallback(
          [](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) {
            mpm.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
          });
    if (sanitizer == Sanitizer::Thread)
      pb.registerOptimizerLastEPCallback(
          [](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) {
            mpm.addPass(llvm::ModuleThreadSanitizerPass());
            mpm.addPass(llvm::createModuleToFunctionPassAdaptor(
                llvm::ThreadSanitizerPass()));
          });
    llvm::ModulePassManager mpm =
        pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    mpm.run(*module, mam);
  };
  if (!link("the dlc runtime", runtimeBitcode(target.triple)))
    return false;
  if (!sanitize)
    optimize();
  for (size_t i = 0; i < kernelBitcode.size(); ++i)
    if (!link("kernel #" + std::to_string(i), kernelBitcode[i], /*isKernel=*/true))
      return false;
  if (!link("the Halide runtime", halideRuntimeBitcode))
    return false;

  // Only the model's public functions stay visible; the Halide runtime's
  // weak symbols stay weak so that several models share one copy.
  llvm::StringSet<> exported, internalized;
  for (auto &s : hm.publicSymbols)
    exported.insert(s);
  for (llvm::GlobalValue &gv : module->global_values()) {
    if (gv.isDeclaration() || gv.getName().starts_with("llvm."))
      continue;
    if (exported.contains(gv.getName())) {
      gv.setVisibility(llvm::GlobalValue::DefaultVisibility);
      continue;
    }
    if (gv.hasWeakLinkage() || gv.hasLinkOnceLinkage())
      continue;
    if (!gv.hasLocalLinkage())
      internalized.insert(gv.getName());
    gv.setLinkage(llvm::GlobalValue::InternalLinkage);
    if (sanitize)
      if (auto *fn = llvm::dyn_cast<llvm::Function>(&gv))
        fn->addFnAttr(sanitizerAttribute(sanitizer));
  }
  for (llvm::StringRef name : exported.keys())
    if (auto *fn = module->getFunction(name); fn && sanitize)
      fn->addFnAttr(sanitizerAttribute(sanitizer));
  if (llvm::verifyModule(*module, &llvm::errs())) {
    error = "the linked model does not verify";
    return false;
  }
  if (sanitize)
    optimize();
  // The Halide runtime is shared between models as weak definitions; as
  // linkonce they still merge, and those no kernel needs are dropped
  // instead of compiled (most of the runtime: tracing, device interfaces).
  for (llvm::GlobalValue &gv : module->global_values())
    if (gv.hasWeakAnyLinkage())
      gv.setLinkage(llvm::GlobalValue::LinkOnceAnyLinkage);
    else if (gv.hasWeakODRLinkage())
      gv.setLinkage(llvm::GlobalValue::LinkOnceODRLinkage);
  {
    llvm::ModuleAnalysisManager mam;
    llvm::GlobalDCEPass().run(*module, mam);
  }
  if (output == ObjectOutput::LLVMIR) {
    module->print(os, nullptr);
    return true;
  }
  {
    // Code generation is most of this phase and runs one function at a
    // time: the module is split (llvm::SplitModule, as LLVM's LTO does for
    // parallel code generation), the parts compiled on every thread, and
    // their objects merged by the system linker (`ld -r`); on one thread
    // too, so that the object is the same whatever the thread count.
    // Without a linker, or for another architecture (which the system
    // linker cannot read), the whole module is compiled at once.
    bool native = llvm::Triple(target.triple).getArch() ==
                  llvm::Triple(llvm::sys::getProcessTriple()).getArch();
    auto ld = llvm::sys::findProgramByName("ld");
    if (native && ld) {
      std::string merged;
      if (splitCodegen(std::move(module), internalized, target, *ld,
                       std::max(1u, codegenThreads), merged, error)) {
        os << merged;
        return true;
      }
      return false;
    }
  }
  std::string object;
  if (!emitObject(*module, *tm, object, error))
    return false;
  os << object;
  return true;
}

} // namespace dlc
