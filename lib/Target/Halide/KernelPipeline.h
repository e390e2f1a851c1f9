//===- KernelPipeline.h - One kernel as a scheduled Halide pipeline -*- C++ -*-===//
//
// The Halide library's internal entry points: a kernel's pipeline, and the
// lowering pass that drops the argument checks the host has made already.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_TARGET_HALIDE_KERNELPIPELINE_H
#define DLC_LIB_TARGET_HALIDE_KERNELPIPELINE_H

#include "dlc/Target/Halide/Kernel.h"

#include "Halide.h"

#include <vector>

namespace dlc {
namespace halide {

/// The pipeline of `kernel` (with its large-batch schedule if `largeBatch`),
/// algorithm and schedule, and its arguments (inputs in kernel.inputs
/// order). Throws Halide's errors and Unsupported.
Halide::Pipeline buildKernelPipeline(const Kernel &kernel, const Halide::Target &target,
                                     bool largeBatch, std::vector<Halide::Argument> &args);

/// A custom lowering pass (DropArgumentChecks.cpp), owned by the pipeline
/// it is added to.
Halide::Internal::IRMutator *createDropArgumentChecks();

} // namespace halide
} // namespace dlc

#endif // DLC_LIB_TARGET_HALIDE_KERNELPIPELINE_H
