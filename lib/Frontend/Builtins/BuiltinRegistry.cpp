//===- BuiltinRegistry.cpp - The built-in functions of .dl by name --------===//
//
// The registry and the one list of families. "did you mean" walks the
// names in the map's (hash) order and keeps the first of equally close
// ones; registering by family moved only log_softmax and slice in that
// order, past names too far from them in edit distance for any misspelling
// to be equally close to both, so the suggestions are the same as when all
// built-ins were registered in one function.
//
//===----------------------------------------------------------------------===//

#include "BuiltinRegistry.h"

using namespace dlc::frontend;

void BuiltinRegistry::add(llvm::StringRef name, std::vector<std::string> params,
                          std::vector<std::string> required,
                          BuiltinHandler handler) {
  builtins[name] = Builtin{name.str(), std::move(params), std::move(required),
                           std::move(handler)};
}

const Builtin *BuiltinRegistry::lookup(llvm::StringRef name) const {
  auto it = builtins.find(name);
  return it == builtins.end() ? nullptr : &it->second;
}

std::vector<std::string> BuiltinRegistry::names() const {
  std::vector<std::string> out;
  for (auto &b : builtins)
    out.push_back(b.getKey().str());
  return out;
}

void dlc::frontend::registerAllBuiltins(BuiltinRegistry &registry) {
  registerElementwiseBuiltins(registry);
  registerLinalgBuiltins(registry);
  registerReductionBuiltins(registry);
  registerDataMovementBuiltins(registry);
  registerInitializerBuiltins(registry);
  registerNormalizationBuiltins(registry);
  registerConvPoolBuiltins(registry);
  registerRecurrentBuiltins(registry);
  registerAttentionBuiltins(registry);
  registerLossBuiltins(registry);
}
