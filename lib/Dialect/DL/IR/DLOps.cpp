//===- DLOps.cpp - The generated op classes of the dl dialect -------------===//
//
// The ODS-generated op definitions, compiled once. Each family's hand-written
// part (shape rules, folders, verifiers, VJPs) is in its own file
// (ElementwiseOps.cpp, ...); the shared shape rules of op classes
// (DL_SharedShapeRule in DLOpBase.td) are generated here and call
// OpHelpers.h.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace dlc::dl;

#define GET_OP_CLASSES
#include "dlc/Dialect/DL/IR/DLOps.cpp.inc"
