//===- LinalgOps.cpp - Matrix products ------------------------------------===//
//
// Shape rules, run-time dims and VJPs of matmul and batch_matmul
// (DLLinalgOps.td).
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Shape rules
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferShapes(ArrayRef<TensorShape> operands,
                                    ShapeErrorFn emitError,
                                    SmallVectorImpl<TensorShape> &results) {
  const TensorShape &l = operands[0], &r = operands[1];
  if (l.rank() != 2 || r.rank() != 2) {
    emitError("operands must have rank 2 (use dl.batch_matmul for batches): " +
              l.str() + " @ " + r.str());
    return failure();
  }
  return appendShape(inferMatmulShape(l, r, emitError), results);
}

LogicalResult
BatchMatmulOp::inferShapes(ArrayRef<TensorShape> operands,
                           ShapeErrorFn emitError,
                           SmallVectorImpl<TensorShape> &results) {
  const TensorShape &l = operands[0], &r = operands[1];
  if (std::max(l.rank(), r.rank()) < 3) {
    emitError("one operand must have rank >= 3 (use dl.matmul for matrices): " +
              l.str() + " @ " + r.str());
    return failure();
  }
  return appendShape(inferMatmulShape(l, r, emitError), results);
}

//===----------------------------------------------------------------------===//
// Run-time dims
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::reifyResultDims(OpBuilder &b, Location loc,
                                        ArrayRef<SmallVector<Value>> in,
                                        SmallVectorImpl<SmallVector<Value>> &out) {
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    return i == 0 ? in[0][0] : in[1][1];
  });
}

LogicalResult
BatchMatmulOp::reifyResultDims(OpBuilder &b, Location loc,
                               ArrayRef<SmallVector<Value>> in,
                               SmallVectorImpl<SmallVector<Value>> &out) {
  // The batch dims broadcast; then lhs's rows and rhs's columns.
  DimBuilder d{b, loc};
  int64_t R = getOutput().getType().getRank();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    if (i == R - 2)
      return in[0][in[0].size() - 2];
    if (i == R - 1)
      return in[1].back();
    return broadcastDim(d, in, R, i);
  });
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

/// Swaps the last two dims.
Value swapLast(OpBuilder &b, Location l, Value x) {
  int64_t r = tensorType(x).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
  std::swap(perm[r - 1], perm[r - 2]);
  return transpose(b, l, x, perm);
}

LogicalResult MatmulOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                 SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  Value g = cts[0];
  // d(a @ c) = g @ c^T for a, a^T @ g for c.
  out.push_back(createInferred<MatmulOp>(b, l, g, transpose(b, l, getRhs(), {1, 0})));
  out.push_back(createInferred<MatmulOp>(b, l, transpose(b, l, getLhs(), {1, 0}), g));
  return success();
}

LogicalResult BatchMatmulOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                      SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  Value g = cts[0];
  Value da = createInferred<BatchMatmulOp>(b, l, g, swapLast(b, l, getRhs()));
  Value dc = createInferred<BatchMatmulOp>(b, l, swapLast(b, l, getLhs()), g);
  out.push_back(unbroadcast(b, l, da, tensorType(getLhs())));
  out.push_back(unbroadcast(b, l, dc, tensorType(getRhs())));
  return success();
}
