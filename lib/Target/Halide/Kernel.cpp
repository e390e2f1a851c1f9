//===- Kernel.cpp - Kernel leaves and signatures (no Halide here) ---------===//

#include "dlc/Target/Halide/Kernel.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>

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

} // namespace halide
} // namespace dlc
