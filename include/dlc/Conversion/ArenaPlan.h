//===- ArenaPlan.h - Where every tensor of an entry point lives -*- C++ -*-===//
//
// The analysis half of host code generation: for one entry point (a
// func.func with dl ops, after dl-kernels), where each value's elements are
// and which kernels run in what order. Nothing here builds IR, so the plan
// can be tested on its own (unittests/Conversion) and the emitters
// (lib/Conversion/DLToHost) only read it.
//
//  1. Storage: function arguments and results are the caller's buffers,
//     parameters live in the state's parameter store, constants in the
//     object's read-only data, reshapes alias their operand, view ops
//     (transpose, broadcast_to, dropout) have no storage -- kernels read
//     through them -- and every other result gets an arena slot. An
//     optimizer update whose parameter nobody reads afterwards writes the
//     parameter itself (in place).
//  2. Kernels: one per compute op, in program order, plus copies where a
//     view or alias must become a buffer (returned values, dl.lstm input).
//  3. Arena: values are assigned to slots greedily in program order,
//     reusing a slot once its last reader has run (liveness); a slot's
//     size is the largest of its values' sizes, evaluated at run time from
//     the symbolic dims (so the plan holds slots, not byte offsets).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CONVERSION_ARENAPLAN_H
#define DLC_CONVERSION_ARENAPLAN_H

#include "dlc/Target/Halide/Kernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <string>
#include <vector>

namespace dlc {

/// The parameter store: every dl.parameter's first element, in f32
/// elements from the start of the store, in module order.
struct ParamLayout {
  std::map<std::string, int64_t> offsets;
  /// Elements of the whole store (each parameter padded to 16).
  int64_t numElements = 0;
};

/// Lays out the parameters of `dl`. Fails (with a diagnostic) on a
/// parameter that is not f32.
mlir::LogicalResult layoutParameters(mlir::ModuleOp dl, ParamLayout &out);

/// Where a value's elements are.
struct Storage {
  enum Kind { None, Input, Output, Param, Const, Arena, Alias } kind = None;
  /// Input/Output: argument or result index; Param: offset in the
  /// parameter store (elements); Const: index into EntryPlan::constants;
  /// Arena: slot.
  int64_t index = 0;
  /// Alias: the value whose memory this one shares.
  mlir::Value aliasOf;
};

/// One entry point's plan.
struct EntryPlan {
  mlir::func::FuncOp fn;
  /// The dl.entry name ("forward", "train_step").
  std::string name;
  /// The named run-time dims of the arguments, in order of appearance.
  std::vector<std::string> symbols;
  /// Every value with storage (views have none: kernels read through them).
  llvm::DenseMap<mlir::Value, Storage> storage;
  /// In execution order; symbols `<prefix>_<entry>_k<i>`.
  std::vector<halide::Kernel> kernels;
  /// A value placed in an arena slot, live from the kernel that writes it
  /// to its last reader (the copies into parameters after the last kernel
  /// count as kernel kernels.size() + 1).
  struct SlotUse {
    /// The value, or for a scratch buffer the value it is sized like.
    mlir::Value value;
    int first, last;
  };
  /// The uses of each arena slot, in assignment order; the uses of one
  /// slot have disjoint live ranges.
  std::vector<std::vector<SlotUse>> slots;
  /// lstm, lstm_grad: arena slots used only during the kernel (see
  /// scratchProxies), in the order of scratchProxies.
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<int64_t>> scratchSlots;
  /// dl.assign: values copied into parameters (at these offsets) after the
  /// last kernel.
  std::vector<std::pair<mlir::Value, int64_t>> assigns;
  /// The dl.constant ops whose data the object holds, in program order.
  std::vector<mlir::Operation *> constants;

  /// What `v`'s memory is: the value it aliases, through reshapes.
  mlir::Value root(mlir::Value v) const;
};

/// Plans the entry point `fn` (with a dl.entry attribute). Kernel symbols
/// start with `prefix`. Fails with diagnostics on ops host code cannot run.
mlir::LogicalResult planEntry(mlir::func::FuncOp fn, const ParamLayout &params,
                              llvm::StringRef prefix, EntryPlan &plan);

/// Optimizer results that may be written straight into the parameter they
/// replace (their dl.assign then copies nothing), with its offset.
llvm::DenseMap<mlir::Value, int64_t> inPlaceUpdates(mlir::func::FuncOp fn,
                                                    const ParamLayout &params);

/// The scratch buffers of a host-driven kernel, as values of their size:
/// dl.lstm's zero initial state [B, H]; dl.lstm_grad's zero state, dh and
/// dc carried between reverse steps ([B, H] each), and the recomputed h and
/// c of every step ([B, T, H] each).
llvm::SmallVector<mlir::Value> scratchProxies(const halide::Kernel &kernel);

} // namespace dlc

#endif // DLC_CONVERSION_ARENAPLAN_H
