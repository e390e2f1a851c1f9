//===- MLIRGen.h - Lowering the .dl AST to the dl dialect -------*- C++ -*-===//
//
// Turns the AST of a `.dl` file with one `model` into a builtin module of dl
// ops: `dl.parameter` declarations, a `forward` entry point, a `loss` entry
// point when the model has a `train` section, and `dl.optimizer`. User
// functions are inlined at each call and layers expand into tensor-level ops
// that own named parameters. Locations are FileLineColLoc into the source.
//
// This is also the language's type checker: it tracks symbolic dims by name
// (`batch`) with the shape functions the dialect uses, so shape errors name
// both shapes as the user wrote them.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_MLIRGEN_H
#define DLC_FRONTEND_MLIRGEN_H

#include "dlc/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llvm {
class SourceMgr;
}

namespace dlc {

/// Returns the module, or null after reporting errors through the context's
/// diagnostic engine.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const llvm::SourceMgr &sourceMgr,
                                          const ast::Module &module);

} // namespace dlc

#endif // DLC_FRONTEND_MLIRGEN_H
