//===- DLOps.h - Operations of the dl dialect -------------------*- C++ -*-===//

#ifndef DLC_DIALECT_DL_IR_DLOPS_H
#define DLC_DIALECT_DL_IR_DLOPS_H

#include "dlc/Dialect/DL/IR/DLDialect.h"
#include "dlc/Dialect/DL/IR/DLTraits.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dlc/Dialect/DL/IR/DLOpsEnums.h.inc"

namespace dlc::dl {
/// Result types are compatible when they are ranked tensors of the same
/// element type and rank whose static dims agree: a declared type may be
/// less precise than the inferred one.
bool areCompatibleReturnTypes(mlir::TypeRange inferred, mlir::TypeRange actual);
/// The verifier of ShapeInferenceOpInterface.
mlir::LogicalResult verifyInferredResultTypes(mlir::Operation *op);

/// Dim `dim` of result `result` at run time (a dynamic one), null where the
/// rule has none; failure after a diagnostic on the op.
using DynamicDimFn =
    llvm::function_ref<mlir::FailureOr<mlir::Value>(unsigned result, int64_t dim)>;
/// ReifyDimsOpInterface's loop: appends to `resultDims` each result's dims
/// in order, static dims as i64 constants and dynamic ones from
/// `dynamicDim`, all built at `b`'s insertion point in that order (the
/// order of the host code). Stops after the first null dim.
mlir::LogicalResult reifyEachDim(mlir::Operation *op, mlir::OpBuilder &b,
                                 mlir::Location loc,
                                 llvm::SmallVectorImpl<llvm::SmallVector<mlir::Value>> &resultDims,
                                 DynamicDimFn dynamicDim);
/// The rule "every result has operand `operand`'s dims".
mlir::LogicalResult
reifySameAsOperand(mlir::Operation *op, mlir::OpBuilder &b, mlir::Location loc,
                   llvm::ArrayRef<llvm::SmallVector<mlir::Value>> operandDims,
                   unsigned operand,
                   llvm::SmallVectorImpl<llvm::SmallVector<mlir::Value>> &resultDims);
/// NumPy broadcasting: each result dim the maximum of the operands' dims
/// aligned with it from the end (a missing dim counts as 1).
mlir::LogicalResult
reifyBroadcastDims(mlir::Operation *op, mlir::OpBuilder &b, mlir::Location loc,
                   llvm::ArrayRef<llvm::SmallVector<mlir::Value>> operandDims,
                   llvm::SmallVectorImpl<llvm::SmallVector<mlir::Value>> &resultDims);
} // namespace dlc::dl

#include "dlc/Dialect/DL/IR/DLOpsInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dlc/Dialect/DL/IR/DLOps.h.inc"

namespace dlc::dl {
/// Builds `OpTy` with a placeholder result type, then gives it the type that
/// its ShapeInferenceOpInterface infers, so that code building dl ops (VJPs,
/// passes) states what it computes rather than shapes. Null if inference
/// fails.
template <typename OpTy, typename... Args>
mlir::Value createInferred(mlir::OpBuilder &b, mlir::Location loc, Args &&...args) {
  auto op = b.create<OpTy>(loc, b.getNoneType(), std::forward<Args>(args)...);
  llvm::SmallVector<mlir::Type> types;
  if (mlir::failed(llvm::cast<ShapeInferenceOpInterface>(op.getOperation())
                       .inferResultTypes(std::nullopt, types)))
    return mlir::Value();
  op->getResult(0).setType(types[0]);
  return op->getResult(0);
}
} // namespace dlc::dl

#endif // DLC_DIALECT_DL_IR_DLOPS_H
