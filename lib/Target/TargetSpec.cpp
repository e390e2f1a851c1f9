//===- TargetSpec.cpp - --target names to target descriptions -------------===//
//
// `host` is read from the machine dlc runs on (LLVM's host CPU name and
// features, the thread count, Linux's per-core L2 size); the named targets
// are fixed, so that a cross compile gives the same object on any machine.
//
//===----------------------------------------------------------------------===//

#include "dlc/Target/TargetSpec.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Threading.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>

using namespace mlir;

namespace dlc {

FailureOr<TargetSpec> resolveTarget(llvm::StringRef name, std::string &error) {
  TargetSpec spec;
  spec.name = name.str();
  if (name == "host") {
    spec.triple = llvm::sys::getProcessTriple();
    spec.cpu = llvm::sys::getHostCPUName().str();
    llvm::SmallVector<std::string> feats;
    for (auto &f : llvm::sys::getHostCPUFeatures())
      feats.push_back((f.second ? "+" : "-") + f.first().str());
    spec.features = llvm::join(feats, ",");
    spec.halideTarget = "host";
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    spec.vectorWidth = host.lookup("avx512f") ? 16 : host.lookup("avx") ? 8 : 4;
    spec.vectorRegisters = host.lookup("avx512f") || spec.triple.find("aarch64") == 0 ? 32 : 16;
    spec.cores = std::max(1u, llvm::hardware_concurrency().compute_thread_count());
    // Linux reports the per-core L2 size as e.g. "512K".
    if (auto size = llvm::MemoryBuffer::getFile(
            "/sys/devices/system/cpu/cpu0/cache/index2/size", /*IsText=*/true)) {
      llvm::StringRef text = (*size)->getBuffer().trim();
      int64_t scale = text.consume_back("K") ? 1024 : text.consume_back("M") ? 1 << 20 : 1;
      int64_t n;
      if (!text.getAsInteger(10, n) && n > 0)
        spec.l2Bytes = n * scale;
    }
  } else if (name == "x86-64-avx2") {
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = "haswell";
    spec.halideTarget = "x86-64-linux-avx-avx2-f16c-fma-sse41";
  } else if (name == "x86-64-avx512") {
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = "skylake-avx512";
    spec.vectorWidth = 16;
    spec.vectorRegisters = 32;
    spec.l2Bytes = 1 << 20;
    spec.halideTarget =
        "x86-64-linux-avx-avx2-f16c-fma-sse41-avx512-avx512_skylake";
  } else if (name == "arm64-linux") {
    spec.triple = "aarch64-unknown-linux-gnu";
    spec.cpu = "generic";
    spec.vectorWidth = 4;
    spec.vectorRegisters = 32;
    spec.halideTarget = "arm-64-linux";
  } else {
    error = "unknown target '" + name.str() +
            "' (expected host, x86-64-avx2, x86-64-avx512 or arm64-linux)";
    return failure();
  }
  return spec;
}

} // namespace dlc
