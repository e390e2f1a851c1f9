//===- DLInterfaces.td - Interfaces of the dl ops ----------*- tablegen -*-===//
//
// Shape inference, run-time dims and reverse-mode differentiation, as op
// interfaces so that each op's shape rule, dims rule and VJP sit in its
// family's .cpp beside its folder and verifier.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLINTERFACES_TD
#define DLC_DIALECT_DL_IR_DLINTERFACES_TD

include "mlir/IR/OpBase.td"

// Result types come from the shape functions in ShapeFunctions.h, as in the
// Toy tutorial's ShapeInference interface. The verifier reports the shape
// function's own error (naming both shapes); a declared result type may be
// less precise than the inferred one (`?` where the inference knows a size),
// and dl-shape-inference then refines it.
//
// An op states only its rule (`inferShapes`, over the operands' shapes);
// `inferResultTypes` turns types into shapes and back once for every op.
def DL_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op whose result types follow from its operand types and attributes.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends the result shapes for `operands`, the shapes of the op's
        operands in order, by the op's rule in ShapeFunctions.h; on failure
        reports why through `emitError`.
      }], "::llvm::LogicalResult", "inferShapes",
      (ins "::llvm::ArrayRef<::dlc::TensorShape>":$operands,
           "::dlc::ShapeErrorFn":$emitError,
           "::llvm::SmallVectorImpl<::dlc::TensorShape> &":$results)>
  ];
  let extraClassDeclaration = [{
    /// Infers the result types; on failure reports why at `loc` (if given).
    ::llvm::LogicalResult
    inferResultTypes(std::optional<::mlir::Location> loc,
                     ::llvm::SmallVectorImpl<::mlir::Type> &types);
  }];
  let verify = [{ return ::dlc::dl::verifyInferredResultTypes($_op); }];
}

def DL_InferShape : DeclareOpInterfaceMethods<DL_ShapeInferenceOpInterface>;

// Run-time dims (the host code sizes buffers from them): each op states how
// its result dims follow from its operands' dims as i64 values, beside its
// shape rule, as StableHLO's reifyReturnTypeShapes does. The default is
// the common rule, each result shaped as operand 0; the binary ops share
// NumPy broadcasting (reifyBroadcastDims), other ops define their own
// (DL_ReifyDimsOwn).
def DL_ReifyDims : OpInterface<"ReifyDimsOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op whose result dims at run time follow from its operands' dims.
    The rules build i64 arith ops: the caller's context has the arith
    dialect loaded (the host code's does).
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at `b`'s insertion point, every dim of every result as an
        i64 value: `resultDims[r][i]` is dim i of result r, a constant
        where the result type has it static. `operandDims[k]` holds operand
        k's dims. A null dim, the last of its result, means the rule has
        none; fails with a diagnostic on the op where the dims cannot be
        computed at run time.
      }], "::llvm::LogicalResult", "reifyResultDims",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::llvm::ArrayRef<::llvm::SmallVector<::mlir::Value>>":$operandDims,
           "::llvm::SmallVectorImpl<::llvm::SmallVector<::mlir::Value>> &":$resultDims),
      /*methodBody=*/"", /*defaultImplementation=*/[{
        return ::dlc::dl::reifySameAsOperand($_op.getOperation(), b, loc,
                                             operandDims, 0, resultDims);
      }]>
  ];
}

// DL_ReifyDims on an op: each result has operand 0's dims. DL_ReifyDimsOwn:
// a rule of the op's own, `reifyResultDims` in its family's .cpp.
def DL_ReifyDimsOwn
    : DeclareOpInterfaceMethods<DL_ReifyDims, ["reifyResultDims"]>;

// Reverse-mode differentiation (dl-autodiff): each differentiable op builds
// its own vector-Jacobian product in dl, next to the op (in its family's
// .cpp).
def DL_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op that can build its vector-Jacobian product (VJP): given the
    cotangents of its results, the cotangents of its operands, as dl ops
    built at the builder's insertion point.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the operand cotangents. `resultCotangents[i]` is the
        cotangent of result i, or null where no gradient reaches it (zero).
        Sets `operandCotangents` to one value per operand, null where the
        operand gets none (it is not differentiable, e.g. integer labels).
        Fails with a diagnostic on the op when the VJP cannot be built.
      }], "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

def DL_Differentiable : DeclareOpInterfaceMethods<DL_DifferentiableOpInterface>;

#endif // DLC_DIALECT_DL_IR_DLINTERFACES_TD
