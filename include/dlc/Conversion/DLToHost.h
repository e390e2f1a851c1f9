//===- DLToHost.h - dl module to host code that calls kernels ---*- C++ -*-===//
//
// Lowers a dl module's entry points to host functions in the func, arith,
// cf and llvm dialects: each computes the run-time shape of every tensor
// from the symbolic dims (batch, ...), places intermediates in one arena
// planned by liveness, wraps pointers in halide_buffer_t descriptors and
// calls the Halide kernels in order. It also emits the model descriptor the
// runtime reads (parameter names, shapes, initializers) and the public C
// wrappers (`<prefix>_create`, `<prefix>_forward`, ...).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CONVERSION_DLTOHOST_H
#define DLC_CONVERSION_DLTOHOST_H

#include "dlc/Target/Halide/Kernel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace dlc {

/// A tensor of the public interface: `f32[batch, 28, 28]`.
struct InterfaceTensor {
  std::string name;
  std::string cType;                 // "float", "int32_t", ...
  std::string dtype;                 // "f32", "i32", ...
  std::vector<std::string> dims;     // "batch" or "28"
};

struct InterfaceEntry {
  std::string name;                  // "forward", "loss"
  std::vector<std::string> symbols;  // run-time dims, in argument order
  std::vector<InterfaceTensor> inputs, outputs;
  int numKernels = 0;
  int numSlots = 0;
};

struct InterfaceParam {
  std::string name;
  std::vector<int64_t> shape;
  std::string init;
  bool trainable = true;
  /// Training state (optimizer moments, counters): optional when loading.
  bool state = false;
};

/// Everything the C header documents.
struct ModelInterface {
  std::string model;                 // name in the .dl file
  std::string prefix;                // symbol prefix (--name)
  std::string source;                // the .dl file
  std::vector<InterfaceEntry> entries;
  std::vector<InterfaceParam> params;
  int64_t paramElems = 0;
};

struct HostModule {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<halide::Kernel> kernels;
  ModelInterface interface;
  /// Exported symbols; everything else in the object is internal (or the
  /// Halide runtime's weak symbols).
  std::vector<std::string> publicSymbols;
};

/// Builds the host module for `dl` (canonicalized, shapes inferred). The
/// kernels refer to ops of `dl`, which must outlive them. Fails with
/// diagnostics on the offending ops.
mlir::LogicalResult buildHostModule(mlir::ModuleOp dl, llvm::StringRef prefix,
                                    llvm::StringRef source, HostModule &out);

/// Whether `name` is a valid C identifier to prefix the model's symbols.
bool isValidPrefix(llvm::StringRef name);

/// `name` as a C identifier: other characters become '_', and a leading
/// digit gets `lead` in front (`d_fc1.weight` -> `d_fc1_weight`).
std::string toCIdentifier(llvm::StringRef name, llvm::StringRef lead = "t_");

} // namespace dlc

#endif // DLC_CONVERSION_DLTOHOST_H
