//===- OpHelpers.h - Shared by the op families' C++ -------------*- C++ -*-===//
//
// Internal to lib/Dialect/DL/IR: what more than one family's file uses, kept
// once. The shape-rule glue (appendShape, inferLossShape, which the ODS
// DL_SharedShapeRule definitions call too), the i64 builders of the
// run-time dims rules, and the builders with which the VJPs state what they
// compute.
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

#include "mlir/Dialect/Arith/IR/Arith.h"

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
// Run-time dims (ReifyDimsOpInterface, ReifyDims.cpp)
//===----------------------------------------------------------------------===//

/// The i64 arith of the run-time dims rules, built at `b`'s insertion point
/// in call order (each call builds one op: the host code keeps that order).
struct DimBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Value c64(int64_t v) {
    return b.create<mlir::arith::ConstantIntOp>(loc, v, 64);
  }
  mlir::Value add(mlir::Value x, mlir::Value y) { return op<mlir::arith::AddIOp>(x, y); }
  mlir::Value sub(mlir::Value x, mlir::Value y) { return op<mlir::arith::SubIOp>(x, y); }
  mlir::Value mul(mlir::Value x, mlir::Value y) { return op<mlir::arith::MulIOp>(x, y); }
  mlir::Value div(mlir::Value x, mlir::Value y) { return op<mlir::arith::DivSIOp>(x, y); }
  mlir::Value max(mlir::Value x, mlir::Value y) { return op<mlir::arith::MaxSIOp>(x, y); }
  mlir::Value min(mlir::Value x, mlir::Value y) { return op<mlir::arith::MinSIOp>(x, y); }

private:
  template <typename OpTy> mlir::Value op(mlir::Value x, mlir::Value y) {
    return b.create<OpTy>(loc, x, y);
  }
};

/// A reduction's dims (DL_ReduceOp): the kept dims of its input, 1 for a
/// reduced one with `keepDims`.
mlir::LogicalResult
reifyReduceDims(mlir::Operation *op, llvm::ArrayRef<int64_t> axes, bool keepDims,
                mlir::OpBuilder &b, mlir::Location loc,
                llvm::ArrayRef<llvm::SmallVector<mlir::Value>> operandDims,
                llvm::SmallVectorImpl<llvm::SmallVector<mlir::Value>> &resultDims);
/// conv2d's and the pooling ops' dims: only the batch may be dynamic.
mlir::LogicalResult
reifyConvPoolDims(mlir::Operation *op, mlir::OpBuilder &b, mlir::Location loc,
                  llvm::ArrayRef<llvm::SmallVector<mlir::Value>> operandDims,
                  llvm::SmallVectorImpl<llvm::SmallVector<mlir::Value>> &resultDims);

/// Dim `i` of a rank-`rank` NumPy broadcast of `operands`: the maximum of
/// their dims aligned with it from the end, in operand order; null where
/// none has one.
mlir::Value broadcastDim(DimBuilder &d,
                         llvm::ArrayRef<llvm::SmallVector<mlir::Value>> operands,
                         int64_t rank, int64_t i);

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
