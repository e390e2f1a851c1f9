//===- Kernel.h - Kernels: what becomes one Halide pipeline -----*- C++ -*-===//
//
// A kernel is one fusion group of a dl function (a dl.fusion, its
// "anchor"), or one compute op outside any group, together with the view
// ops it reads through (transpose, broadcast_to, inference-mode
// dropout), which Halide inlines as index arithmetic instead of
// materializing. Whatever the views start from -- function arguments,
// parameters, constants, reshapes (aliases of their input's memory) and
// other kernels' results -- is a leaf: a buffer the host passes in.
//
// A copy kernel materializes a value that has no storage of its own (a view
// or an alias) where a buffer is needed: for a returned value, or for an op
// that the host drives step by step (dl.lstm).
//
// This header is free of Halide types so that host code generation, built
// without exceptions, can share it with the Halide library.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_HALIDE_KERNEL_H
#define DLC_TARGET_HALIDE_KERNEL_H

#include "dlc/Dialect/DL/IR/Schedule.h"
#include "dlc/Target/TargetSpec.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace dlc {
namespace halide {

/// The Halide stage compiles for the one target description
/// (dlc/Target/TargetSpec.h) that dl-tile and the object stage read too.
using dlc::TargetSpec;

/// Ops that a kernel computes as index arithmetic on its operand.
bool isViewOp(mlir::Operation *op);
/// Ops whose result shares its operand's memory (dl.reshape).
bool isAliasOp(mlir::Operation *op);

/// What a kernel computes.
struct Kernel {
  enum class Kind {
    /// The anchor op's results.
    Op,
    /// A copy of `outputs[0]`, read through its views.
    Copy,
    /// One time step of the anchor dl.lstm: arguments
    /// (x_t [B,I], h_prev [B,H], c_prev [B,H], w_ih, w_hh, bias), results
    /// (h_t [B,H], c_t [B,H]); c_t may alias c_prev. Anchored at a
    /// dl.lstm_grad, it is the forward recompute that the next kernel (its
    /// LSTMGradCell) calls.
    LSTMCell,
    /// One reverse step of the anchor dl.lstm_grad: arguments
    /// (x_t, h_prev, c_prev, w_ih, w_hh, bias, d_out_t, dh, dc, d_w_ih,
    /// d_w_hh, d_bias), results (dx_t, dh, dc, d_w_ih, d_w_hh, d_bias), each
    /// result may alias the argument of its name (the host passes the
    /// same buffer: state carried to step t - 1, weight gradients
    /// accumulated).
    LSTMGradCell
  };
  Kind kind = Kind::Op;
  std::string symbol;
  mlir::Operation *anchor = nullptr;
  /// Values the kernel writes, in result order.
  llvm::SmallVector<mlir::Value> outputs;
  /// Leaf values it reads, in argument order (see collectLeaves).
  llvm::SmallVector<mlir::Value> inputs;
  /// For a copy into a function result: which one (it may be a value that
  /// also has storage of its own, e.g. a value returned twice).
  int64_t outputIndex = -1;
  /// How to schedule it (the fusion group's dl.schedule; `pointwise` for
  /// a kernel outside any group).
  dl::Schedule schedule;
  /// The fusion group's name, or empty.
  std::string group;
  /// A second schedule (schedule.largeBatch) for large batches, by this
  /// symbol: the host calls it when `largeBatchRows` has at least
  /// kLargeBatchRows rows.
  std::string largeBatchSymbol;
  mlir::Value largeBatchRows;

  /// The dl op the kernel is about: a fusion group's anchor, else `anchor`.
  mlir::Operation *mainOp() const;
};

/// Rows from which the host calls a kernel's large-batch variant.
constexpr int64_t kLargeBatchRows = dl::Schedule::kLargeBatchRows;

/// The leaves that the values `roots` read through view ops, in first-visit
/// order. A root that is itself a leaf is returned as is.
llvm::SmallVector<mlir::Value> collectLeaves(llvm::ArrayRef<mlir::Value> roots);

/// What the kernel's pipeline depends on, as a string: its kind, schedule,
/// the types of its inputs and outputs, and every op it computes (views
/// included) with attributes and operands numbered. Kernels with equal
/// signatures compile to the same code, so one copy serves several entry
/// points. Empty for the LSTM step kernels, which are never shared.
std::string kernelSignature(const Kernel &kernel);

/// One kernel to compile: with its large-batch schedule (under
/// kernel->largeBatchSymbol) or its own.
struct KernelJob {
  const Kernel *kernel;
  bool largeBatch = false;
};

/// Builds each job's Halide pipeline, schedules it for `target` and
/// compiles it to LLVM bitcode (LLVM 14's, which LLVM 19 reads) in
/// `bitcode[i]`; with `stmts`, also Halide's lowered statement. The
/// pipelines are built one after another in job order, then lowered and
/// compiled on the threads of `context`: Halide makes Func names unique
/// with process-wide counters, and names handed out in a fixed order keep
/// the object the same from one compile to the next. Errors, including
/// exceptions thrown by Halide, become diagnostics on the kernel's anchor
/// op, in job order. With `runtime`, the Halide runtime
/// (compileHalideRuntime) is compiled alongside; its error, which has no
/// op, goes to `runtimeError`.
mlir::LogicalResult compileKernels(mlir::MLIRContext *context,
                                   llvm::ArrayRef<KernelJob> jobs,
                                   const TargetSpec &target,
                                   std::vector<std::string> &bitcode,
                                   std::vector<std::string> *stmts,
                                   std::string *runtime, std::string &runtimeError);

/// The Halide runtime (thread pool, allocator, error handlers) for
/// `target`, as LLVM bitcode. Its symbols are weak, so objects of several
/// models share one copy when linked together.
mlir::LogicalResult compileHalideRuntime(const TargetSpec &target,
                                         std::string &bitcode,
                                         std::string &error);

} // namespace halide
} // namespace dlc

#endif // DLC_TARGET_HALIDE_KERNEL_H
