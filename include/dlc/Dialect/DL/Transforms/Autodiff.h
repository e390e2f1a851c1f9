//===- Autodiff.h - Reverse-mode differentiation of dl ----------*- C++ -*-===//

#ifndef DLC_DIALECT_DL_TRANSFORMS_AUTODIFF_H
#define DLC_DIALECT_DL_TRANSFORMS_AUTODIFF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"

namespace dlc::dl {

/// Builds, at `builder`'s insertion point (after every op of the block that
/// defines `loss`), the gradient of the scalar `loss` with respect to each
/// group of `wrt` values: the sum of the cotangents of the group's values
/// (several dl.param ops may read one parameter). A group with no path to
/// the loss gets zeros. Fails with a diagnostic on an op without a VJP that
/// lies on a gradient path.
/// With `missingVJP`, an op without a VJP is not an error: it is returned
/// there (and the function fails without a diagnostic), so that callers can
/// skip the gradient with a warning.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildGradients(mlir::OpBuilder &builder, mlir::Value loss,
               llvm::ArrayRef<llvm::SmallVector<mlir::Value, 1>> wrt,
               mlir::Operation **missingVJP = nullptr);

} // namespace dlc::dl

#endif // DLC_DIALECT_DL_TRANSFORMS_AUTODIFF_H
