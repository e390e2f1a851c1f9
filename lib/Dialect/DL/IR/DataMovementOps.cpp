//===- DataMovementOps.cpp - Shape and data movement ----------------------===//
//
// Shape rules, folders, canonicalizations, verifiers, run-time dims and VJPs
// of the ops that move or select elements (DLDataMovementOps.td): reshape,
// transpose, the broadcasts, concat, slice, gather and embedding, and the
// gradient ops slice_grad and scatter_add.
//
//===----------------------------------------------------------------------===//

#include "OpHelpers.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;
using namespace dlc::dl::vjp;

//===----------------------------------------------------------------------===//
// Reshape, transpose, broadcasts
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferShapes(ArrayRef<TensorShape> operands,
                                     ShapeErrorFn emitError,
                                     SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferReshapeShape(operands[0], getShape(), emitError),
                     results);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  auto inType = getInput().getType();
  if (inType == getType() && getType().hasStaticShape())
    return getInput();
  // [0, 0, ...] or sizes equal to the static input dims: the identity.
  if (inType == getType()) {
    bool identity = (int64_t)getShape().size() == getType().getRank();
    for (auto [i, s] : llvm::enumerate(getShape()))
      identity &= s == 0 || s == getType().getDimSize(i);
    if (identity)
      return getInput();
  }
  if (auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(a.getInput()))
    if (getType().hasStaticShape())
      return d.reshape(getType());
  return {};
}

namespace {
/// reshape(reshape(x, s1), s2) -> reshape(x, s2'), resolving s2's `0`
/// (copy) entries through s1.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    ArrayRef<int64_t> s1 = inner.getShape();
    RankedTensorType mid = inner.getType();
    int64_t srcRank = inner.getInput().getType().getRank();
    SmallVector<int64_t> shape;
    for (auto [i, s] : llvm::enumerate(op.getShape())) {
      if (s != 0) {
        shape.push_back(s);
        continue;
      }
      if (!mid.isDynamicDim(i))
        shape.push_back(mid.getDimSize(i));
      else if (s1[i] == 0 && (int64_t)i < srcRank)
        shape.push_back(0);
      else
        return failure();
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput(),
                                           shape);
    return success();
  }
};

/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(),
                                             inner.getInput(), perm);
    return success();
  }
};

/// transpose(matmul(a, b)) -> matmul(transpose(b), transpose(a)). The
/// weight gradient of x @ w^T comes out of the VJPs as (x^T @ dy)^T; this
/// computes dy^T @ x directly, so the optimizer reads it contiguously
/// instead of through a transposed view.
struct TransposeOfMatmul : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto mm = op.getInput().getDefiningOp<MatmulOp>();
    if (!mm || !mm->hasOneUse())
      return failure();
    auto swapped = [](Value v) {
      auto t = llvm::cast<RankedTensorType>(v.getType());
      return RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                   t.getElementType());
    };
    SmallVector<int64_t> perm = {1, 0};
    Value bt = rewriter.create<TransposeOp>(op.getLoc(), swapped(mm.getRhs()),
                                            mm.getRhs(), perm);
    Value at = rewriter.create<TransposeOp>(op.getLoc(), swapped(mm.getLhs()),
                                            mm.getLhs(), perm);
    rewriter.replaceOpWithNewOp<MatmulOp>(op, op.getType(), bt, at);
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes>(context);
}

LogicalResult TransposeOp::inferShapes(ArrayRef<TensorShape> operands,
                                       ShapeErrorFn emitError,
                                       SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferTransposeShape(operands[0], getPerm(), emitError),
                     results);
}

OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(getPerm()))
    identity &= (int64_t)i == p;
  if (identity && getInput().getType() == getType())
    return getInput();
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(a.getInput());
  if (d && d.isSplat() && getType().hasStaticShape())
    return d.resizeSplat(getType());
  return {};
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes, TransposeOfMatmul>(context);
}

LogicalResult
BroadcastToOp::inferShapes(ArrayRef<TensorShape> operands,
                           ShapeErrorFn emitError,
                           SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferBroadcastToShape(operands[0], getShape(), emitError),
                     results);
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(a.getInput());
  if (d && d.isSplat() && getType().hasStaticShape())
    return d.resizeSplat(getType());
  return {};
}

LogicalResult BroadcastLikeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto ref = cast<RankedTensorType>(getReference().getType());
  auto out = cast<RankedTensorType>(getType());
  if (in.getElementType() != out.getElementType())
    return emitOpError("result element type must be the input's");
  if (out.getRank() != ref.getRank() || in.getRank() > ref.getRank())
    return emitOpError("result must have the reference's rank, at least the "
                       "input's");
  for (int64_t i = 0; i < out.getRank(); ++i)
    if (!out.isDynamicDim(i) && !ref.isDynamicDim(i) &&
        out.getDimSize(i) != ref.getDimSize(i))
      return emitOpError("result dim ") << i << " differs from the reference's";
  return success();
}

//===----------------------------------------------------------------------===//
// Concat, slice, gather, embedding
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferShapes(ArrayRef<TensorShape> operands,
                                    ShapeErrorFn emitError,
                                    SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferConcatShape(operands, getAxis(), emitError),
                     results);
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return {};
}

LogicalResult SliceOp::inferShapes(ArrayRef<TensorShape> operands,
                                   ShapeErrorFn emitError,
                                   SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferSliceShape(operands[0], getAxes(), getStarts(),
                                     getEnds(), getSteps(), emitError),
                     results);
}

LogicalResult GatherOp::inferShapes(ArrayRef<TensorShape> operands,
                                    ShapeErrorFn emitError,
                                    SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferGatherShape(operands[0], operands[1], getAxis(),
                                      emitError),
                     results);
}

LogicalResult
EmbeddingOp::inferShapes(ArrayRef<TensorShape> operands,
                         ShapeErrorFn emitError,
                         SmallVectorImpl<TensorShape> &results) {
  return appendShape(inferEmbeddingShape(operands[0], operands[1], emitError),
                     results);
}

//===----------------------------------------------------------------------===//
// Run-time dims
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::reifyResultDims(OpBuilder &b, Location loc,
                                         ArrayRef<SmallVector<Value>> in,
                                         SmallVectorImpl<SmallVector<Value>> &out) {
  // A copied dim (0) is the input's; the inferred one (-1) is the element
  // count over the other dims.
  DimBuilder d{b, loc};
  RankedTensorType t = getOutput().getType();
  int64_t R = t.getRank();
  ArrayRef<int64_t> shape = getShape();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    if (shape[i] == 0)
      return in[0][i];
    Value numel = d.c64(1), rest = d.c64(1);
    for (Value x : in[0])
      numel = d.mul(numel, x);
    for (int64_t k = 0; k < R; ++k) {
      if (k == i)
        continue;
      Value dk = shape[k] == 0 ? in[0][k]
                 : shape[k] > 0 ? d.c64(shape[k]) : Value();
      if (!t.isDynamicDim(k) && shape[k] != 0)
        dk = d.c64(t.getDimSize(k));
      if (dk)
        rest = d.mul(rest, dk);
    }
    return d.div(numel, rest);
  });
}

LogicalResult TransposeOp::reifyResultDims(OpBuilder &b, Location loc,
                                           ArrayRef<SmallVector<Value>> in,
                                           SmallVectorImpl<SmallVector<Value>> &out) {
  ArrayRef<int64_t> perm = getPerm();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    return in[0][perm[i]];
  });
}

LogicalResult
BroadcastToOp::reifyResultDims(OpBuilder &b, Location loc,
                               ArrayRef<SmallVector<Value>> in,
                               SmallVectorImpl<SmallVector<Value>> &out) {
  DimBuilder d{b, loc};
  int64_t R = getOutput().getType().getRank();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    int64_t k = i - (R - (int64_t)in[0].size());
    return k >= 0 ? in[0][k] : d.c64(1);
  });
}

LogicalResult
BroadcastLikeOp::reifyResultDims(OpBuilder &b, Location loc,
                                 ArrayRef<SmallVector<Value>> in,
                                 SmallVectorImpl<SmallVector<Value>> &out) {
  return reifySameAsOperand(*this, b, loc, in, /*reference*/ 1, out);
}

LogicalResult ConcatOp::reifyResultDims(OpBuilder &b, Location loc,
                                        ArrayRef<SmallVector<Value>> in,
                                        SmallVectorImpl<SmallVector<Value>> &out) {
  // The sum along the axis, operand 0's dims elsewhere.
  DimBuilder d{b, loc};
  int64_t R = getOutput().getType().getRank();
  int64_t axis = (int64_t)getAxis() < 0 ? (int64_t)getAxis() + R : (int64_t)getAxis();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    if (i != axis)
      return in[0][i];
    Value v = d.c64(0);
    for (const SmallVector<Value> &o : in)
      v = d.add(v, o[i]);
    return v;
  });
}

/// The length of Python's slice `start:end:step` of a dim of `n` elements,
/// with clamping (see inferSliceShape).
static Value sliceLength(DimBuilder &d, Value n, int64_t start, int64_t end,
                         int64_t st) {
  auto norm = [&](int64_t x) -> Value {
    Value e = x < 0 ? d.add(n, d.c64(x)) : d.c64(x);
    Value lo = d.c64(st > 0 ? 0 : -1);
    Value hi = st > 0 ? n : d.sub(n, d.c64(1));
    return d.min(d.max(e, lo), hi);
  };
  Value b = norm(start), en = norm(end);
  Value diff = st > 0 ? d.sub(en, b) : d.sub(b, en);
  int64_t as = std::abs(st);
  Value len = d.div(d.add(diff, d.c64(as - 1)), d.c64(as));
  return d.max(len, d.c64(0));
}

LogicalResult SliceOp::reifyResultDims(OpBuilder &b, Location loc,
                                       ArrayRef<SmallVector<Value>> in,
                                       SmallVectorImpl<SmallVector<Value>> &out) {
  DimBuilder d{b, loc};
  int64_t R = getOutput().getType().getRank();
  ArrayRef<int64_t> axes = getAxes();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    Value v = in[0][i];
    for (size_t a = 0; a < axes.size(); ++a)
      if ((axes[a] < 0 ? axes[a] + R : axes[a]) == i)
        v = sliceLength(d, in[0][i], getStarts()[a], getEnds()[a], getSteps()[a]);
    return v;
  });
}

LogicalResult
SliceGradOp::reifyResultDims(OpBuilder &b, Location loc,
                             ArrayRef<SmallVector<Value>> in,
                             SmallVectorImpl<SmallVector<Value>> &out) {
  return reifySameAsOperand(*this, b, loc, in, /*input*/ 1, out);
}

LogicalResult GatherOp::reifyResultDims(OpBuilder &b, Location loc,
                                        ArrayRef<SmallVector<Value>> in,
                                        SmallVectorImpl<SmallVector<Value>> &out) {
  // input.shape[:axis] + indices.shape + input.shape[axis + 1:]
  int64_t r = in[0].size(), q = in[1].size();
  int64_t axis = (int64_t)getAxis() < 0 ? (int64_t)getAxis() + r : (int64_t)getAxis();
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    if (i < axis)
      return in[0][i];
    if (i < axis + q)
      return in[1][i - axis];
    return in[0][i - q + 1];
  });
}

LogicalResult
ScatterAddOp::reifyResultDims(OpBuilder &b, Location loc,
                              ArrayRef<SmallVector<Value>> in,
                              SmallVectorImpl<SmallVector<Value>> &out) {
  return reifySameAsOperand(*this, b, loc, in, /*reference*/ 2, out);
}

LogicalResult EmbeddingOp::reifyResultDims(OpBuilder &b, Location loc,
                                           ArrayRef<SmallVector<Value>> in,
                                           SmallVectorImpl<SmallVector<Value>> &out) {
  // indices.shape + [dim]
  return reifyEachDim(*this, b, loc, out, [&](unsigned, int64_t i) -> FailureOr<Value> {
    return i < (int64_t)in[1].size() ? in[1][i] : in[0][1];
  });
}

//===----------------------------------------------------------------------===//
// VJPs
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                  SmallVectorImpl<Value> &out) {
  auto r = reshapeTo(b, getLoc(), cts[0], tensorType(getInput()), *this);
  if (failed(r))
    return failure();
  out.push_back(*r);
  return success();
}

LogicalResult TransposeOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  auto perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  out.push_back(transpose(b, getLoc(), cts[0], inverse));
  return success();
}

LogicalResult BroadcastToOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                      SmallVectorImpl<Value> &out) {
  out.push_back(unbroadcast(b, getLoc(), cts[0], tensorType(getInput())));
  return success();
}

LogicalResult ConcatOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                 SmallVectorImpl<Value> &out) {
  int64_t r = tensorType(getResult()).getRank();
  int64_t axis = (int64_t)getAxis() < 0 ? (int64_t)getAxis() + r : (int64_t)getAxis();
  // Each input's slice of g: offsets from the start before the (at most
  // one) input of dynamic extent along the axis, from the end after it.
  SmallVector<Value> inputs(getInputs());
  int64_t dynamicAt = -1;
  for (auto [i, in] : llvm::enumerate(inputs))
    if (tensorType(in).isDynamicDim(axis)) {
      if (dynamicAt >= 0)
        return emitOpError("VJP: concatenation of several inputs of dynamic "
                           "size along the axis is not differentiable yet");
      dynamicAt = i;
    }
  int64_t n = inputs.size();
  SmallVector<int64_t> starts(n), ends(n);
  int64_t offset = 0;
  for (int64_t i = 0; i < n && (dynamicAt < 0 || i < dynamicAt); ++i) {
    starts[i] = offset;
    offset += tensorType(inputs[i]).getDimSize(axis);
    ends[i] = offset;
  }
  if (dynamicAt >= 0) {
    int64_t back = 0;
    for (int64_t i = n - 1; i > dynamicAt; --i) {
      ends[i] = back == 0 ? std::numeric_limits<int64_t>::max() : -back;
      back += tensorType(inputs[i]).getDimSize(axis);
      starts[i] = -back;
    }
    starts[dynamicAt] = offset;
    ends[dynamicAt] = back == 0 ? std::numeric_limits<int64_t>::max() : -back;
  }
  for (int64_t i = 0; i < n; ++i) {
    Value slice = createInferred<SliceOp>(b, getLoc(), cts[0], b.getDenseI64ArrayAttr({axis}),
                                    b.getDenseI64ArrayAttr({starts[i]}),
                                    b.getDenseI64ArrayAttr({ends[i]}),
                                    b.getDenseI64ArrayAttr({1}));
    // A slice from the end of a dynamic dim has a static size the slice's
    // shape rule cannot see: restore the input's type.
    if (slice.getType() != inputs[i].getType()) {
      auto r = reshapeTo(b, getLoc(), slice, tensorType(inputs[i]), *this);
      if (failed(r))
        return failure();
      slice = *r;
    }
    out.push_back(slice);
  }
  return success();
}

LogicalResult BroadcastLikeOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                        SmallVectorImpl<Value> &out) {
  out.push_back(unbroadcast(b, getLoc(), cts[0], tensorType(getInput())));
  out.push_back(Value());
  return success();
}

LogicalResult SliceOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                SmallVectorImpl<Value> &out) {
  out.push_back(b.create<SliceGradOp>(getLoc(), getInput().getType(), cts[0], getInput(),
                                      getAxesAttr(), getStartsAttr(), getEndsAttr(),
                                      getStepsAttr()));
  return success();
}

LogicalResult GatherOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                 SmallVectorImpl<Value> &out) {
  out.push_back(b.create<ScatterAddOp>(getLoc(), getInput().getType(), cts[0],
                                       getIndices(), getInput(), getAxisAttr()));
  out.push_back(Value());
  return success();
}

LogicalResult EmbeddingOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(b.create<ScatterAddOp>(getLoc(), getTable().getType(), cts[0],
                                       getIndices(), getTable(), b.getI64IntegerAttr(0)));
  out.push_back(Value());
  return success();
}
