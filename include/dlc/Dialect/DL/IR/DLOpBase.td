//===- DLOpBase.td - Types and base classes of the dl ops --*- tablegen -*-===//
//
// What every op family file includes: the dialect, the operand types, the
// DL_Op base class, the interfaces and traits, and DL_SharedShapeRule and
// DL_SharedDimsRule for op classes whose ops share one shape or dims rule.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLOPBASE_TD
#define DLC_DIALECT_DL_IR_DLOPBASE_TD

include "dlc/Dialect/DL/IR/DLDialect.td"
include "dlc/Dialect/DL/IR/DLInterfaces.td"
include "dlc/Dialect/DL/IR/DLTraits.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Types and base classes
//===----------------------------------------------------------------------===//

def DL_FloatTensor : RankedTensorOf<[AnyFloat]>;
def DL_IndexTensor : RankedTensorOf<[I32, I64]>;
def DL_Tensor : RankedTensorOf<[AnyFloat, I1, I32, I64]>;
def DL_ScalarTensor : TensorRankOf<[AnyFloat], [0]>;

class DL_Op<string mnemonic, list<Trait> traits = []>
    : Op<DL_Dialect, mnemonic, traits>;

// The `inferShapes` of an op class (DL_BinaryOp, DL_ReduceOp, ...) whose ops
// share one shape rule: `rule` is a C++ expression over `operands` (the
// operand shapes), the op's accessors and `emitError` that gives a
// FailureOr<TensorShape>, as a call of a rule in ShapeFunctions.h. Set as
// the class's `extraClassDefinition`; ops with a rule of their own define
// `inferShapes` in their family's .cpp instead.
class DL_SharedShapeRule<code rule> {
  code definition = [{
    ::llvm::LogicalResult $cppClass::inferShapes(
        ::llvm::ArrayRef<::dlc::TensorShape> operands,
        ::dlc::ShapeErrorFn emitError,
        ::llvm::SmallVectorImpl<::dlc::TensorShape> &results) {
      return ::dlc::dl::appendShape(}] # rule # [{, results);
    }
  }];
}

// The `reifyResultDims` of an op class whose ops share one run-time dims
// rule (DL_ReifyDimsOwn): `rule` is a call over the hook's arguments (`b`,
// `loc`, `operandDims`, `resultDims`) and the op's accessors, of a rule in
// DLOps.h or OpHelpers.h.
class DL_SharedDimsRule<code rule> {
  code definition = [{
    ::llvm::LogicalResult $cppClass::reifyResultDims(
        ::mlir::OpBuilder &b, ::mlir::Location loc,
        ::llvm::ArrayRef<::llvm::SmallVector<::mlir::Value>> operandDims,
        ::llvm::SmallVectorImpl<::llvm::SmallVector<::mlir::Value>> &resultDims) {
      return }] # rule # [{;
    }
  }];
}

#endif // DLC_DIALECT_DL_IR_DLOPBASE_TD
