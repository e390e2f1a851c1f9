//===- Summary.cpp - --emit=summary and --emit=schedules ------------------===//
//
// The summary is read by people checking what the front end made of a
// model (names, named dims, parameter counts), the schedules by
// --schedules: both print the module as the compile left it, without
// changing it.
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipeline/Summary.h"

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <map>

using namespace mlir;

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

void dlc::printSummary(ModuleOp module, llvm::raw_ostream &os) {
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

void dlc::printSchedules(ModuleOp module, llvm::raw_ostream &os) {
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
