//===- EntryChecks.h - What an entry point checks of the caller's data ---*- C++ -*-===//
//
// The analysis half of the run-time checks DLToHost emits before the first
// kernel of an entry point (the emission half is in EntryPoint.cpp): which
// operand dims an op needs equal, which index inputs reach an embedding or
// gather, and which result of train_step is its loss. Kernels trust the
// shapes and indices they are given (Halide's own buffer checks are
// dropped), so these are what keeps a wrong call from reading out of
// bounds or changing parameters on bad data.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_CONVERSION_DLTOHOST_ENTRYCHECKS_H
#define DLC_LIB_CONVERSION_DLTOHOST_ENTRYCHECKS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <string>

namespace dlc {

/// Dim `dimA` of operand `operandA` must equal dim `dimB` of `operandB`.
struct DimRequirement {
  unsigned operandA, dimA, operandB, dimB;
  /// "dim 0 of operand 0 and dim 0 of operand 1".
  std::string describe() const;
};

/// The dims `op` needs equal at run time, from its operands' types: a
/// loss's predictions and targets, a matmul's inner dims, broadcast
/// operands (only a static 1 broadcasts), concat's other dims, same-shape
/// ops. Pairs that are static on both sides are left out (the verifier
/// checked them).
llvm::SmallVector<DimRequirement> requiredEqualDims(mlir::Operation &op);

/// An index input of `op` (dl.embedding, dl.gather) read from an entry
/// argument, maybe through reshapes, transposes, slices, broadcasts and
/// integer casts (a language model's shifted token slices): every element
/// of the argument must be in [lowest, size), where size is dim `axis` of
/// `table` and lowest is 0 (embedding) or -size (gather, as numpy.take).
struct IndexCheck {
  mlir::Operation *op;
  mlir::Value table;
  int64_t axis;
  bool negativeFromEnd;
  mlir::BlockArgument argument;
};
llvm::SmallVector<IndexCheck> indexChecks(mlir::func::FuncOp fn);

/// train_step's loss: the f32 scalar result named "loss" (dl-train-step
/// names it), else the first f32 scalar result; null for other entries or
/// when there is none.
mlir::Value trainStepLoss(mlir::func::FuncOp fn, llvm::StringRef entry);

/// "dl.embedding at model.dl:12:3" ("dl.matmul (group matmul_0) at ..."
/// with a fusion group), for run-time messages.
std::string describeOp(llvm::StringRef what, mlir::Location loc,
                       llvm::StringRef group = "");
std::string describeOp(mlir::Operation *op, llvm::StringRef group = "");

} // namespace dlc

#endif // DLC_LIB_CONVERSION_DLTOHOST_ENTRYCHECKS_H
