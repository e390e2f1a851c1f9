//===- Diagnostics.cpp - Source locations for front-end errors ------------===//

#include "dlc/Frontend/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace dlc;

mlir::Location SourceLocator::getLoc(llvm::SMLoc loc) const {
  unsigned bufferId = sourceMgr.FindBufferContainingLoc(loc);
  if (!bufferId)
    bufferId = sourceMgr.getMainFileID();
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  if (!loc.isValid() || loc.getPointer() < buffer->getBufferStart() ||
      loc.getPointer() > buffer->getBufferEnd())
    return mlir::FileLineColLoc::get(context, buffer->getBufferIdentifier(),
                                     1, 1);
  auto [line, col] = sourceMgr.getLineAndColumn(loc, bufferId);
  return mlir::FileLineColLoc::get(context, buffer->getBufferIdentifier(),
                                   line, col);
}

mlir::InFlightDiagnostic SourceLocator::emitError(llvm::SMLoc loc) {
  ++numErrors;
  return mlir::emitError(getLoc(loc));
}

std::string dlc::closestMatch(llvm::StringRef name,
                              llvm::ArrayRef<std::string> candidates) {
  std::string best;
  unsigned bestDistance = ~0u;
  // A typo is a couple of edits (a swap is two), more for long names; short
  // names allow one so that `x` does not suggest `y`.
  unsigned limit = name.size() <= 3 ? 1 : std::max<unsigned>(2, name.size() / 3);
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, /*AllowReplacements=*/true, limit + 1);
    if (d <= limit && d < bestDistance && c != name) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}
