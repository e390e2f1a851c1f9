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

#include "llvm/ADT/StringSet.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

namespace dlc {
namespace {
#include "dlc_runtime_aarch64.inc"
#include "dlc_runtime_x86_64.inc"

llvm::StringRef runtimeBitcode(llvm::StringRef triple) {
  if (triple.starts_with("aarch64"))
    return llvm::StringRef(reinterpret_cast<const char *>(dlc_runtime_aarch64),
                           sizeof(dlc_runtime_aarch64));
  return llvm::StringRef(reinterpret_cast<const char *>(dlc_runtime_x86_64),
                         sizeof(dlc_runtime_x86_64));
}
} // namespace

bool emitModelObject(HostModule &hm, const halide::TargetSpec &target,
                     const std::vector<std::string> &kernelBitcode,
                     llvm::StringRef halideRuntimeBitcode, ObjectOutput output, llvm::raw_ostream &os,
                     std::string &error, bool sanitizeAddress) {
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
  std::string lookupError;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(target.triple, lookupError);
  if (!llvmTarget) {
    error = "no LLVM target for " + target.triple + ": " + lookupError;
    return false;
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      target.triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    error = "cannot create a target machine for " + target.triple;
    return false;
  }

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
  auto link = [&](const std::string &what, llvm::StringRef bitcode) {
    auto parsed =
        llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, what), llvmContext);
    if (!parsed) {
      error = "cannot read the bitcode of " + what + ": " +
              llvm::toString(parsed.takeError());
      return false;
    }
    std::unique_ptr<llvm::Module> part = std::move(*parsed);
    part->setDataLayout(module->getDataLayout());
    part->setTargetTriple(target.triple);
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
    if (sanitizeAddress)
      pb.registerOptimizerLastEPCallback(
          [](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) {
            mpm.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
          });
    llvm::ModulePassManager mpm =
        pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    mpm.run(*module, mam);
  };
  if (!link("the dlc runtime", runtimeBitcode(target.triple)))
    return false;
  if (!sanitizeAddress)
    optimize();
  for (size_t i = 0; i < kernelBitcode.size(); ++i)
    if (!link("kernel #" + std::to_string(i), kernelBitcode[i]))
      return false;
  if (!link("the Halide runtime", halideRuntimeBitcode))
    return false;

  // Only the model's public functions stay visible; the Halide runtime's
  // weak symbols stay weak so that several models share one copy.
  llvm::StringSet<> exported;
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
    gv.setLinkage(llvm::GlobalValue::InternalLinkage);
    if (sanitizeAddress)
      if (auto *fn = llvm::dyn_cast<llvm::Function>(&gv))
        fn->addFnAttr(llvm::Attribute::SanitizeAddress);
  }
  for (llvm::StringRef name : exported.keys())
    if (auto *fn = module->getFunction(name); fn && sanitizeAddress)
      fn->addFnAttr(llvm::Attribute::SanitizeAddress);
  if (llvm::verifyModule(*module, &llvm::errs())) {
    error = "the linked model does not verify";
    return false;
  }
  if (sanitizeAddress)
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
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream bos(buffer);
  llvm::legacy::PassManager codegen;
  if (tm->addPassesToEmitFile(codegen, bos, nullptr,
                              llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  codegen.run(*module);
  os.write(buffer.data(), buffer.size());
  return true;
}

} // namespace dlc
