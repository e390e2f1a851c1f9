//===- Diagnostics.h - Source locations for front-end errors ----*- C++ -*-===//
//
// The front end reports through MLIR's diagnostic engine with
// FileLineColLoc locations, so `dlc` prints `file:line:col`, the source line
// and a caret (SourceMgrDiagnosticHandler), and lit tests check front-end
// errors with `-verify-diagnostics` like any other MLIR error.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_DIAGNOSTICS_H
#define DLC_FRONTEND_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace dlc {

/// Turns buffer positions into MLIR locations and counts errors.
class SourceLocator {
public:
  SourceLocator(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context)
      : sourceMgr(sourceMgr), context(context) {}

  mlir::Location getLoc(llvm::SMLoc loc) const;
  /// Starts an error at `loc`; the caller streams the message into it.
  mlir::InFlightDiagnostic emitError(llvm::SMLoc loc);

  /// Counts an error reported elsewhere at a location of this buffer: an op
  /// verifier's, on an op the front end built at the source position.
  void noteError() { ++numErrors; }
  unsigned getNumErrors() const { return numErrors; }
  mlir::MLIRContext *getContext() const { return context; }

private:
  const llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext *context;
  unsigned numErrors = 0;
};

/// The candidate closest to `name` by edit distance, or "" if none is close
/// enough to be a plausible typo.
std::string closestMatch(llvm::StringRef name,
                         llvm::ArrayRef<std::string> candidates);

} // namespace dlc

#endif // DLC_FRONTEND_DIAGNOSTICS_H
