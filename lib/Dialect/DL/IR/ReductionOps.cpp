//===- ReductionOps.cpp - Reductions and normalizations -------------------===//
//
// Shape rules, verifiers and VJPs of reduce_*, softmax, log_softmax,
// batch_norm and layer_norm (DLReductionOps.td). The reductions' shape rule
// is their ODS class's (DL_SharedShapeRule).
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Shape rules and verifiers
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult verifyAxis(OpTy op) {
  std::string msg;
  auto n = normalizeAxis(op.getAxis(), op.getType().getRank(),
                         [&](const Twine &m) { msg = m.str(); });
  if (failed(n))
    return op.emitOpError(msg);
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxis(*this); }

LogicalResult BatchNormOp::inferShapes(ArrayRef<TensorShape> operands,
                                       ShapeErrorFn emitError,
                                       SmallVectorImpl<TensorShape> &results) {
  const TensorShape &in = operands[0];
  StringRef names[] = {"scale", "bias", "mean", "variance"};
  for (auto [param, name] : llvm::zip(operands.drop_front(), names))
    if (failed(verifyChannelParam(in, param, name, emitError)))
      return failure();
  if (!(getEpsilon().convertToDouble() > 0)) {
    emitError("epsilon must be positive");
    return failure();
  }
  double m = getMomentum().convertToDouble();
  if (!(m >= 0 && m <= 1)) {
    emitError("momentum must be in [0, 1]");
    return failure();
  }
  results.push_back(in);
  return success();
}

LogicalResult LayerNormOp::inferShapes(ArrayRef<TensorShape> operands,
                                       ShapeErrorFn emitError,
                                       SmallVectorImpl<TensorShape> &results) {
  const TensorShape &in = operands[0];
  if (failed(verifyNormalizedShape(in, operands[1], getAxis(), "scale",
                                   emitError)) ||
      failed(verifyNormalizedShape(in, operands[2], getAxis(), "bias",
                                   emitError)))
    return failure();
  if (!(getEpsilon().convertToDouble() > 0)) {
    emitError("epsilon must be positive");
    return failure();
  }
  results.push_back(in);
  return success();
}

//===----------------------------------------------------------------------===//
// Run-time dims
//===----------------------------------------------------------------------===//

LogicalResult
dlc::dl::reifyReduceDims(Operation *op, ArrayRef<int64_t> axes, bool keepDims,
                         OpBuilder &b, Location loc, ArrayRef<SmallVector<Value>> in,
                         SmallVectorImpl<SmallVector<Value>> &out) {
  DimBuilder d{b, loc};
  return reifyEachDim(op, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    int64_t r = in[0].size(), o = 0;
    for (int64_t k = 0; k < r; ++k) {
      bool red = axes.empty() || llvm::is_contained(axes, k) ||
                 llvm::is_contained(axes, k - r);
      if (red && !keepDims)
        continue;
      if (o++ == i)
        return red ? d.c64(1) : in[0][k];
    }
    return Value();
  });
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

namespace {

/// The cotangent of a reduction, with the reduced dims restored as size 1.
FailureOr<Value> keepDims(OpBuilder &b, Location l, Value g, Operation *op,
                          RankedTensorType input, ArrayRef<int64_t> axes,
                          bool keep) {
  if (keep)
    return g;
  auto gt = tensorType(g);
  SmallVector<int64_t> dims;
  int64_t r = input.getRank(), k = 0;
  for (int64_t i = 0; i < r; ++i) {
    bool reduced = axes.empty() || llvm::is_contained(axes, i) ||
                   llvm::is_contained(axes, i - r);
    dims.push_back(reduced ? 1 : (gt.isDynamicDim(k) ? ShapedType::kDynamic
                                                     : gt.getDimSize(k)));
    if (!reduced)
      ++k;
  }
  return reshapeTo(b, l, g, RankedTensorType::get(dims, gt.getElementType()), op);
}

Value broadcastLike(OpBuilder &b, Location l, Value g, Value ref) {
  auto rt = tensorType(ref);
  auto type = RankedTensorType::get(rt.getShape(), tensorType(g).getElementType());
  return b.create<BroadcastLikeOp>(l, type, g, ref);
}

} // namespace

LogicalResult ReduceSumOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  auto g = keepDims(b, getLoc(), cts[0], *this, tensorType(getInput()),
                    getAxes(), getKeepDims());
  if (failed(g))
    return failure();
  out.push_back(broadcastLike(b, getLoc(), *g, getInput()));
  return success();
}

LogicalResult ReduceMeanOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                     SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  auto in = tensorType(getInput());
  Type et = in.getElementType();
  int64_t count = 1, r = in.getRank();
  bool dynamic = false;
  for (int64_t i = 0; i < r; ++i) {
    bool reduced = getAxes().empty() || llvm::is_contained(getAxes(), i) ||
                   llvm::is_contained(getAxes(), i - r);
    if (reduced && in.isDynamicDim(i))
      dynamic = true;
    else if (reduced)
      count *= in.getDimSize(i);
  }
  auto g = keepDims(b, l, cts[0], *this, in, getAxes(), getKeepDims());
  if (failed(g))
    return failure();
  Value scaled;
  if (!dynamic) {
    scaled = mul(b, l, *g, scalar(b, l, et, 1.0 / count));
  } else {
    // A run-time count: the sum of ones over the reduced dims.
    Value ones = broadcastLike(b, l, scalar(b, l, et, 1.0), getInput());
    scaled = div(b, l, *g, reduceSum(b, l, ones, getAxes(), true));
  }
  out.push_back(broadcastLike(b, l, scaled, getInput()));
  return success();
}

LogicalResult ReduceMaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  auto in = tensorType(getInput());
  auto g = keepDims(b, l, cts[0], *this, in, getAxes(), getKeepDims());
  auto y = keepDims(b, l, getResult(), *this, in, getAxes(), getKeepDims());
  if (failed(g) || failed(y))
    return failure();
  // The gradient flows to the elements equal to the maximum.
  Value gap = sub(b, l, broadcastLike(b, l, *y, getInput()), getInput());
  Value isMax = sub(b, l, scalar(b, l, in.getElementType(), 1.0), step(b, l, gap));
  out.push_back(mul(b, l, broadcastLike(b, l, *g, getInput()), isMax));
  return success();
}

LogicalResult SoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                  SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  Value g = cts[0], y = getResult();
  // dx = y * (g - sum(g * y, axis))
  Value s = reduceSum(b, l, mul(b, l, g, y), {(int64_t)getAxis()}, true);
  out.push_back(mul(b, l, y, sub(b, l, g, s)));
  return success();
}

LogicalResult LogSoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                     SmallVectorImpl<Value> &out) {
  Location l = getLoc();
  Value g = cts[0], y = getResult();
  // dx = g - softmax(x) * sum(g, axis)
  Value s = reduceSum(b, l, g, {(int64_t)getAxis()}, true);
  out.push_back(sub(b, l, g, mul(b, l, b.create<ExpOp>(l, y), s)));
  return success();
}

LogicalResult LayerNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  // Ba et al. 2016; x^ = (x - mean) * rstd over the normalized dims D:
  // dx = rstd (g' - mean(g') - x^ mean(g' x^)), g' = g * scale;
  // dscale = sum over the leading dims of g x^; dbias = sum of g.
  Location l = getLoc();
  Value g = cts[0], x = getInput();
  auto in = tensorType(x);
  Type et = in.getElementType();
  int64_t r = in.getRank(), axis = (int64_t)getAxis() < 0 ? (int64_t)getAxis() + r
                                                          : (int64_t)getAxis();
  SmallVector<int64_t> norm = llvm::to_vector(llvm::seq<int64_t>(axis, r));
  SmallVector<int64_t> lead = llvm::to_vector(llvm::seq<int64_t>(0, axis));
  auto mean = [&](Value v) {
    return createInferred<ReduceMeanOp>(b, l, v, b.getDenseI64ArrayAttr(norm), b.getUnitAttr());
  };
  Value centered = sub(b, l, x, mean(x));
  Value var = mean(mul(b, l, centered, centered));
  Value rstd = b.create<RsqrtOp>(
      l, add(b, l, var, scalar(b, l, et, getEpsilon().convertToDouble())));
  Value xhat = mul(b, l, centered, rstd);
  Value gs = mul(b, l, g, getScale());
  Value dx = mul(b, l, rstd,
                 sub(b, l, sub(b, l, gs, mean(gs)), mul(b, l, xhat, mean(mul(b, l, gs, xhat)))));
  Value gx = mul(b, l, g, xhat);
  out.push_back(dx);
  out.push_back(lead.empty() ? gx : reduceSum(b, l, gx, lead, false));
  out.push_back(lead.empty() ? g : reduceSum(b, l, g, lead, false));
  return success();
}

LogicalResult BatchNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  // Evaluation form with given statistics: an affine map per channel.
  Location l = getLoc();
  Value g = cts[0], x = getInput();
  auto in = tensorType(x);
  Type et = in.getElementType();
  int64_t r = in.getRank(), c = in.getDimSize(1);
  // [C] -> [C, 1, ...] to broadcast against [N, C, ...].
  SmallVector<int64_t> shape = {c};
  shape.append(r - 2, 1);
  auto perChannel = [&](Value v) {
    return createInferred<ReshapeOp>(b, l, v, b.getDenseI64ArrayAttr(shape));
  };
  SmallVector<int64_t> others = {0};
  for (int64_t i = 2; i < r; ++i)
    others.push_back(i);
  Value rstd = b.create<RsqrtOp>(
      l, add(b, l, getVariance(), scalar(b, l, et, getEpsilon().convertToDouble())));
  Value centered = sub(b, l, x, perChannel(getMean()));
  Value xhat = mul(b, l, centered, perChannel(rstd));
  Value gScaled = mul(b, l, g, perChannel(mul(b, l, getScale(), rstd)));
  Value sumG = reduceSum(b, l, g, others, false);
  Value sumGC = reduceSum(b, l, mul(b, l, g, centered), others, false);
  out.push_back(gScaled);                                           // input
  out.push_back(reduceSum(b, l, mul(b, l, g, xhat), others, false)); // scale
  out.push_back(sumG);                                              // bias
  out.push_back(neg(b, l, mul(b, l, sumG, mul(b, l, getScale(), rstd)))); // mean
  // d/dvar = -0.5 scale (var + eps)^-3/2 sum(g (x - mean))
  Value r3 = mul(b, l, rstd, mul(b, l, rstd, rstd));
  out.push_back(mul(b, l, mul(b, l, sumGC, mul(b, l, getScale(), r3)),
                    scalar(b, l, et, -0.5)));
  return success();
}
