//===- BuiltinRegistry.h - The built-in functions of .dl by name -*- C++
//-*-===//
//
// Every built-in function and layer of the language is a name, a signature
// (parameters in positional order, the required ones) and a handler that
// builds dl ops from the bound arguments. Each op family registers its own
// in its file under Builtins/, as torch-mlir's populate*Patterns do, so a
// new op's front-end part is one entry in its family's file. Tensor-level
// functions map onto one dl op each; layers (dense, conv2d, batch_norm,
// ...) create named parameters with Keras's default initializers and expand
// into tensor-level ops. Layouts are PyTorch's (NCHW, [out, in] weights), so
// state dicts map name for name.
//
// Handlers check what the dl op cannot know (the language's argument kinds,
// a layer's parameter shapes) and call the shape functions the op verifiers
// use for the result shape; checks of an op's own attributes stay with its
// verifier (MLIRGenImpl::buildVerified reports them at the call).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_FRONTEND_BUILTINS_BUILTINREGISTRY_H
#define DLC_LIB_FRONTEND_BUILTINS_BUILTINREGISTRY_H

#include "../Values.h"

#include "llvm/ADT/StringMap.h"

#include <functional>

namespace dlc::frontend {

class MLIRGenImpl;

/// Builds the call's ops (reporting errors through the generator) and
/// returns its value, or nullopt after an error.
using BuiltinHandler = std::function<std::optional<Val>(MLIRGenImpl &, Args &)>;

/// A built-in's signature and handler. User functions are bound through the
/// same signature (without a handler).
struct Builtin {
  std::string name;
  std::vector<std::string> params; // in positional order
  std::vector<std::string> required;
  BuiltinHandler handler;
};

/// The built-ins by name.
class BuiltinRegistry {
public:
  /// Registers `name`; a later registration of the same name replaces it.
  void add(llvm::StringRef name, std::vector<std::string> params,
           std::vector<std::string> required, BuiltinHandler handler);
  /// The built-in called `name`, or null.
  const Builtin *lookup(llvm::StringRef name) const;
  bool contains(llvm::StringRef name) const { return builtins.count(name); }
  /// Every name, for "did you mean" suggestions.
  std::vector<std::string> names() const;

private:
  llvm::StringMap<Builtin> builtins;
};

/// Registers every family's built-ins.
void registerAllBuiltins(BuiltinRegistry &registry);

// One per family, each in its own file.
void registerElementwiseBuiltins(BuiltinRegistry &registry);
void registerLinalgBuiltins(BuiltinRegistry &registry);
void registerReductionBuiltins(BuiltinRegistry &registry);
void registerDataMovementBuiltins(BuiltinRegistry &registry);
void registerInitializerBuiltins(BuiltinRegistry &registry);
void registerNormalizationBuiltins(BuiltinRegistry &registry);
void registerConvPoolBuiltins(BuiltinRegistry &registry);
void registerRecurrentBuiltins(BuiltinRegistry &registry);
void registerAttentionBuiltins(BuiltinRegistry &registry);
void registerLossBuiltins(BuiltinRegistry &registry);

/// x @ wᵀ (+ b): PyTorch's linear with a [out, in] weight, for rank-2 and
/// batched x (Linalg.cpp; the dense layer and attention's projections).
std::optional<Val> buildLinear(MLIRGenImpl &g, const Val &x, const Val &w,
                               const Val *b, llvm::SMLoc l);

} // namespace dlc::frontend

#endif // DLC_LIB_FRONTEND_BUILTINS_BUILTINREGISTRY_H
