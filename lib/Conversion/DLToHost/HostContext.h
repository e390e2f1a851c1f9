//===- HostContext.h - What the host code emitters share --------*- C++ -*-===//
//
// Host code generation reads an ArenaPlan per entry point and builds one
// module in the func, arith, cf and llvm dialects. Its emitters live by
// concern:
//
//   DLToHost.cpp     driver: parameters, plans, kernel sharing, interface
//   RuntimeDims.cpp  every tensor's run-time dims, from each op's
//                    reifyResultDims (ReifyDimsOpInterface)
//   EntryPoint.cpp   <prefix>_<entry>_arena_bytes and <prefix>_<entry>:
//                    arena offsets, argument checks, kernel calls
//   HostLoops.cpp    the step loops of host-driven kernels (dl.lstm,
//                    dl.lstm_grad), on one counted-loop builder
//   Descriptor.cpp   the model descriptor the runtime reads
//   Wrappers.cpp     the public C wrappers around the runtime
//
// They share the builder, the module and the LLVM types through
// HostContext; the functions being built share an EntryFrame.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_CONVERSION_DLTOHOST_HOSTCONTEXT_H
#define DLC_LIB_CONVERSION_DLTOHOST_HOSTCONTEXT_H

#include "dlc/Conversion/ArenaPlan.h"
#include "dlc/Conversion/DLToHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

#include <string>
#include <vector>

namespace dlc {

/// Each tensor's run-time dims. A MapVector: the host code walks it, and
/// walking it in insertion order keeps the object the same from run to run.
using DimsMap = llvm::MapVector<mlir::Value, llvm::SmallVector<mlir::Value>>;

inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

/// Run-time dims an op requires to be equal, found by runtimeDims and
/// checked before any kernel runs.
struct DimCheck {
  mlir::Operation *op;
  mlir::Value a, b;
  std::string which; // "dim 0 of operand 0 and dim 0 of operand 1"
};

/// An entry point as the emitters see it.
struct HostEntry {
  EntryPlan plan;
  /// The globals holding plan.constants' data, in the same order.
  std::vector<std::string> constGlobals;
};

/// The module being built and what every emitter needs to build in it.
struct HostContext {
  HostContext(mlir::ModuleOp dl, llvm::StringRef prefix, HostModule &out);

  mlir::ModuleOp dl;
  mlir::MLIRContext *ctx;
  std::string prefix;
  HostModule &out;
  mlir::OpBuilder builder;
  mlir::ModuleOp host;
  mlir::Type ptrTy, i64, i32;
  /// halide_dimension_t and halide_buffer_t.
  mlir::LLVM::LLVMStructType dimTy, bufTy;
  ParamLayout params;
  /// Numbers the string and constant globals, in creation order.
  int stringCounter = 0, globalCounter = 0;

  mlir::Location loc() { return builder.getUnknownLoc(); }
  mlir::Value c64(int64_t v) {
    return builder.create<mlir::arith::ConstantIntOp>(loc(), v, 64);
  }
  mlir::Value c32(int32_t v) {
    return builder.create<mlir::arith::ConstantIntOp>(loc(), v, 32);
  }
  /// The private declaration of `name` in the host module, added at its
  /// end on first use.
  mlir::func::FuncOp declare(llvm::StringRef name, mlir::TypeRange args,
                             mlir::TypeRange results);
  /// A new internal global holding `s` with a trailing NUL; its name.
  std::string globalString(llvm::StringRef s);
  /// Bytes of `v` at run time.
  mlir::Value bytesOf(mlir::Value v, DimsMap &dims);
};

/// Emits, at the builder's insertion point, each tensor's run-time dims
/// from the entry's symbols (one value per symbol, in plan.symbols order)
/// and the dims its ops need equal. Fails on a dim it cannot compute.
mlir::LogicalResult runtimeDims(HostContext &hc, const EntryPlan &e,
                                mlir::ValueRange symbols, DimsMap &dims,
                                std::vector<DimCheck> &dimChecks);

/// `<prefix>_<entry>_arena_bytes(symbols...)`: the arena an entry needs, -1
/// when a dim or tensor is out of range.
mlir::LogicalResult emitArenaBytesFunc(HostContext &hc, const HostEntry &e);
/// `<prefix>_<entry>(state, symbols..., buffers...)`: checks the caller's
/// data, runs the kernels and writes the parameters.
mlir::LogicalResult emitEntryFunc(HostContext &hc, const HostEntry &e,
                                  int entryIndex);

/// The function `<prefix>_<entry>` being built, and the values its
/// kernel calls read.
struct EntryFrame {
  HostContext &hc;
  const HostEntry &entry;
  mlir::func::FuncOp f;
  /// The first block, which holds every alloca.
  mlir::Block *entryBlock = nullptr;
  /// errBlock(status, kernel): a kernel failed; early(status): a check
  /// failed before anything changed.
  mlir::Block *errBlock = nullptr, *early = nullptr;
  mlir::Value state, desc, params, arena, one;
  llvm::SmallVector<mlir::Value> symbols, args;
  DimsMap dims;
  /// Each arena slot's byte offset.
  llvm::SmallVector<mlir::Value> offsets;

  const EntryPlan &plan() const { return entry.plan; }
  /// Where `v`'s elements are.
  mlir::Value ptrOf(mlir::Value v);
  /// Where `kernel` writes `v` (a copy into a result writes the caller's
  /// buffer).
  mlir::Value storageOf(const halide::Kernel &kernel, mlir::Value v);
  /// Arena slot `slot`'s first byte.
  mlir::Value slotPtr(int64_t slot);
  /// If kernel `k` returned `rc != 0`, go to errBlock; else on in a new
  /// block.
  void checkStatus(mlir::Value rc, int64_t k);
  /// A halide_buffer_t (allocated in the entry block) for a tensor of
  /// `dims` at `hostPtr`, dense unless `strides` are given (tensor order).
  mlir::Value makeBuffer(mlir::Value hostPtr, mlir::Type elemType,
                         llvm::ArrayRef<mlir::Value> dims,
                         llvm::ArrayRef<mlir::Value> strides = {});
};

/// for (i = 0; i < count; ++i) body(i), as blocks of the current region:
/// header(i) -> body -> header(i + `one`), continuing after the loop.
void buildCountedLoop(HostContext &hc, mlir::Value count, mlir::Value one,
                      llvm::function_ref<void(mlir::Value)> body);
/// dl.lstm, kernel `k`: the time loop calling the cell, then h from the
/// last step.
void emitLSTMLoops(EntryFrame &frame, int64_t k);
/// dl.lstm_grad, kernel `k` (kernel k - 1 is its forward cell): h and c of
/// every step recomputed, then the reverse steps.
void emitLSTMGradLoops(EntryFrame &frame, int64_t k);

/// The model descriptor `<prefix>__model`: parameters (names, shapes,
/// initializers with fans), entry points (symbols, buffer and kernel
/// names).
void emitDescriptor(HostContext &hc, llvm::ArrayRef<HostEntry> entries);
/// `<prefix>_create`, `<prefix>_load`, ...: the runtime's functions with
/// the model descriptor passed in.
void emitWrappers(HostContext &hc);

} // namespace dlc

#endif // DLC_LIB_CONVERSION_DLTOHOST_HOSTCONTEXT_H
