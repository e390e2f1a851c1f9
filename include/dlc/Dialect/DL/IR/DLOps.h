//===- DLOps.h - Operations of the dl dialect -------------------*- C++ -*-===//

#ifndef DLC_DIALECT_DL_IR_DLOPS_H
#define DLC_DIALECT_DL_IR_DLOPS_H

#include "dlc/Dialect/DL/IR/DLDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
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
} // namespace dlc::dl

#include "dlc/Dialect/DL/IR/DLOpsInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dlc/Dialect/DL/IR/DLOps.h.inc"

#endif // DLC_DIALECT_DL_IR_DLOPS_H
