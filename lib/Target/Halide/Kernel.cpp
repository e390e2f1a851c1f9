//===- Kernel.cpp - Kernel leaves and targets (no Halide here) ------------===//

#include "dlc/Target/Halide/Kernel.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include "llvm/Support/Threading.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

namespace dlc {
namespace halide {

bool isViewOp(Operation *op) { return dl::isView(op); }

Operation *Kernel::mainOp() const {
  if (auto fusion = dyn_cast_or_null<dl::FusionOp>(anchor))
    if (Operation *op = fusion.getAnchor())
      return op;
  return anchor;
}

bool isAliasOp(Operation *op) {
  return op && op->hasTrait<dl::trait::Alias>();
}

static void collect(Value v, llvm::SetVector<Value> &leaves) {
  Operation *def = v.getDefiningOp();
  if (isViewOp(def)) {
    collect(def->getOperand(0), leaves);
    return;
  }
  leaves.insert(v);
}

llvm::SmallVector<Value> collectLeaves(ArrayRef<Value> roots) {
  llvm::SetVector<Value> leaves;
  for (Value v : roots)
    collect(v, leaves);
  return llvm::SmallVector<Value>(leaves.begin(), leaves.end());
}

std::string kernelSignature(const Kernel &kernel) {
  if (kernel.kind != Kernel::Kind::Op && kernel.kind != Kernel::Kind::Copy)
    return "";
  std::string sig;
  llvm::raw_string_ostream os(sig);
  os << (kernel.kind == Kernel::Kind::Op ? "op" : "copy") << " "
     << llvm::formatv("{0}", llvm::json::Value(kernel.schedule.toJSON())) << "\n";
  llvm::DenseMap<Value, int> ids;
  for (Value in : kernel.inputs) {
    ids[in] = ids.size();
    os << "in " << in.getType() << "\n";
  }
  // Ops in dependency order: views before their readers, a group's body
  // in program order.
  auto print = [&](Operation *op) {
    os << op->getName() << " " << op->getAttrDictionary() << " (";
    for (Value operand : op->getOperands())
      os << ids.lookup(operand) << " ";
    for (Value r : op->getResults())
      ids[r] = ids.size();
    os << ") -> (" << op->getResultTypes() << ")\n";
  };
  std::function<void(Value)> visit = [&](Value v) {
    if (ids.count(v))
      return;
    Operation *def = v.getDefiningOp();
    if (!def) {
      ids[v] = ids.size();
      os << "arg " << v.getType() << "\n";
      return;
    }
    auto fusion = dyn_cast<dl::FusionOp>(def);
    if (!fusion) {
      for (Value operand : def->getOperands())
        visit(operand);
      print(def);
      return;
    }
    os << "fusion\n";
    for (Operation &op : fusion.getBody().front()) {
      for (Value operand : op.getOperands())
        if (!fusion->isAncestor(operand.getParentBlock()->getParentOp()))
          visit(operand);
      print(&op);
    }
    for (auto [r, y] : llvm::zip(fusion.getResults(), fusion.getYield()->getOperands()))
      ids[r] = ids.lookup(y);
  };
  for (Value o : kernel.outputs)
    visit(o);
  return sig;
}

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

} // namespace halide
} // namespace dlc
