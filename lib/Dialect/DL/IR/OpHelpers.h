//===- OpHelpers.h - Shared by the op families' C++ -------------*- C++ -*-===//
//
// Internal to lib/Dialect/DL/IR: what more than one family's file uses, kept
// once. The shape-rule glue (appendShape, inferLossShape, which the ODS
// DL_SharedShapeRule definitions call too) and the builders with which the
// VJPs state what they compute.
//
// VJP conventions:
//
//  * Broadcasting operands get g summed back over the broadcast dims
//    (`unbroadcast`), as autograd does.
//  * Ops whose result types follow from their operands are created with a
//    placeholder type and given the inferred one (`createInferred`), so that every
//    VJP states what it computes, not its shapes.
//  * Masks come from dl.step (1 where x > 0): relu'(0) = 0 as in PyTorch;
//    maximum/minimum give a tie's gradient to the second operand.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_DIALECT_DL_IR_OPHELPERS_H
#define DLC_LIB_DIALECT_DL_IR_OPHELPERS_H

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

namespace dlc::dl {

//===----------------------------------------------------------------------===//
// Shape rules
//===----------------------------------------------------------------------===//

/// Appends `shape` to `results`, or fails where the rule failed.
mlir::LogicalResult appendShape(mlir::FailureOr<TensorShape> shape,
                                llvm::SmallVectorImpl<TensorShape> &results);

/// A loss's result: the scalar of the predictions' element type, once the
/// operands pass `kind`'s checks (verifyLossOperands).
mlir::FailureOr<TensorShape>
inferLossShape(LossKind kind, llvm::ArrayRef<TensorShape> operands,
               ShapeErrorFn emitError);

//===----------------------------------------------------------------------===//
// VJP builders
//===----------------------------------------------------------------------===//

namespace vjp {

inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

mlir::Value add(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                mlir::Value y);
mlir::Value sub(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                mlir::Value y);
mlir::Value mul(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                mlir::Value y);
mlir::Value div(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                mlir::Value y);
mlir::Value neg(mlir::OpBuilder &b, mlir::Location l, mlir::Value x);
mlir::Value step(mlir::OpBuilder &b, mlir::Location l, mlir::Value x);

/// A 0-d f32 constant, broadcast by the binary ops.
mlir::Value scalar(mlir::OpBuilder &b, mlir::Location l,
                   mlir::Type elementType, double v);

mlir::Value transpose(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                      llvm::ArrayRef<int64_t> perm);

mlir::Value reduceSum(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                      llvm::ArrayRef<int64_t> axes, bool keepDims);

/// Sums the cotangent `g` of a broadcast result back to `operand`'s shape.
mlir::Value unbroadcast(mlir::OpBuilder &b, mlir::Location l, mlir::Value g,
                        mlir::RankedTensorType operand);

/// Reshapes `g` to `target`'s shape: static dims as they are, one dynamic
/// dim inferred (-1), others copied from `g` at the same index (0).
mlir::FailureOr<mlir::Value> reshapeTo(mlir::OpBuilder &b, mlir::Location l,
                                       mlir::Value g,
                                       mlir::RankedTensorType target,
                                       mlir::Operation *op);

} // namespace vjp
} // namespace dlc::dl

#endif // DLC_LIB_DIALECT_DL_IR_OPHELPERS_H
