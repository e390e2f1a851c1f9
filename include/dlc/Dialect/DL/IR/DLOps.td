//===- DLOps.td - Operations of the dl dialect -------------*- tablegen -*-===//
//
// Every op: a verifier (ODS constraints plus a shape function from
// ShapeFunctions.h through ShapeInferenceOpInterface), a readable assembly
// format, and a summary and description with an example.
//
// The ops are defined by family, one file each (as CIRCT's FIRRTL.td
// includes FIRRTLExpressions.td, ...); each family's C++ (shape rules,
// folders, verifiers, VJPs) is lib/Dialect/DL/IR/<Family>Ops.cpp.
//
// Gradients of ops whose VJP is not a composition of other dl ops are ops of
// their own (conv2d_grad_input, scatter_add, ...), each beside its forward
// op. Each takes the cotangent `grad` and returns a tensor of its
// `reference` operand's type (only the reference's shape is read where
// noted).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_DLOPS_TD
#define DLC_DIALECT_DL_IR_DLOPS_TD

include "dlc/Dialect/DL/IR/DLOpBase.td"

include "dlc/Dialect/DL/IR/DLModelOps.td"
include "dlc/Dialect/DL/IR/DLElementwiseOps.td"
include "dlc/Dialect/DL/IR/DLLinalgOps.td"
include "dlc/Dialect/DL/IR/DLReductionOps.td"
include "dlc/Dialect/DL/IR/DLDataMovementOps.td"
include "dlc/Dialect/DL/IR/DLConvPoolOps.td"
include "dlc/Dialect/DL/IR/DLRecurrentOps.td"
include "dlc/Dialect/DL/IR/DLLossOps.td"
include "dlc/Dialect/DL/IR/DLTrainingOps.td"
include "dlc/Dialect/DL/IR/DLFusionOps.td"

#endif // DLC_DIALECT_DL_IR_DLOPS_TD
