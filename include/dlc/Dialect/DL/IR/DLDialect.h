//===- DLDialect.h - The dl dialect -----------------------------*- C++ -*-===//

#ifndef DLC_DIALECT_DL_IR_DLDIALECT_H
#define DLC_DIALECT_DL_IR_DLDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dlc/Dialect/DL/IR/DLOpsDialect.h.inc"

#endif // DLC_DIALECT_DL_IR_DLDIALECT_H
