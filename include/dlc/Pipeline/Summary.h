//===- Summary.h - Readable reports of a dl module --------------*- C++ -*-===//
//
// What `dlc --emit=summary` and `--emit=schedules` print: reports of a dl
// module for people and for the --schedules round trip, apart from the
// compile itself so that any caller of the pipeline can print them.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_SUMMARY_H
#define DLC_PIPELINE_SUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlc {

/// Prints the model's interface: each entry point's inputs and outputs
/// (with named dims), its dl op counts, the parameters with their
/// initializers, and the optimizer.
void printSummary(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Prints {"<entry>/<group>": schedule} for every fusion group of a module
/// after dl-tile, as JSON in the form --schedules reads back.
void printSchedules(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace dlc

#endif // DLC_PIPELINE_SUMMARY_H
