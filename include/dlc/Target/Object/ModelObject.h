//===- ModelObject.h - One linkable object and its C header -----*- C++ -*-===//
//
// The last stage of `dlc compile`: lowers the host module to LLVM IR,
// links in the kernels' bitcode, one Halide runtime and dlc's runtime,
// internalizes everything but the model's public functions, optimizes, and
// emits one relocatable object with LLVM 19's TargetMachine. The C header
// documents the public functions.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_OBJECT_MODELOBJECT_H
#define DLC_TARGET_OBJECT_MODELOBJECT_H

#include "dlc/Conversion/DLToHost.h"
#include "dlc/Target/TargetSpec.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace dlc {

enum class ObjectOutput { LLVMIR, Object };

/// Instrumentation of the model's code for a sanitizer run.
enum class Sanitizer { None, Address, Thread };

/// Emits the model as LLVM IR text or a relocatable object for `target`.
/// `kernelBitcode` holds every compiled kernel (and schedule variant),
/// `halideRuntimeBitcode` the Halide runtime (compileHalideRuntime). On
/// failure, returns false and sets `error`.
/// With a `sanitizer`, the model's own code (host code, kernels, dlc's
/// runtime; not the Halide runtime) is instrumented with AddressSanitizer
/// or ThreadSanitizer, for programs linked with -fsanitize=address or
/// -fsanitize=thread. (The Halide runtime's thread pool synchronizes what
/// TSan cannot see: run TSan builds with HL_NUM_THREADS=1.)
/// Code generation splits the module into a fixed number of parts,
/// compiles them on `codegenThreads` threads and merges them with the
/// system linker (`ld -r`, found on PATH), so the object is the same for
/// any thread count; without a linker, or for a target of another
/// architecture than the host's, it compiles the module whole, on one
/// thread.
bool emitModelObject(HostModule &hm, const TargetSpec &target,
                     const std::vector<std::string> &kernelBitcode,
                     llvm::StringRef halideRuntimeBitcode, ObjectOutput output, llvm::raw_ostream &os,
                     std::string &error, Sanitizer sanitizer = Sanitizer::None,
                     unsigned codegenThreads = 1);

/// The self-documenting C header for the model's public functions.
std::string emitCHeader(const ModelInterface &model);

} // namespace dlc

#endif // DLC_TARGET_OBJECT_MODELOBJECT_H
