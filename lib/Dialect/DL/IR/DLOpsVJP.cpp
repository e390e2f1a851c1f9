//===- DLOpsVJP.cpp - Vector-Jacobian products of the dl ops --------------===//
//
// DifferentiableOpInterface for each differentiable op: given the result
// cotangent g, the operand cotangents as dl ops. Conventions:
//
//  * Broadcasting operands get g summed back over the broadcast dims
//    (`unbroadcast`), as autograd does.
//  * Ops whose result types follow from their operands are created with a
//    placeholder type and given the inferred one (`createInferred`), so that every
//    VJP states what it computes, not its shapes.
//  * Masks come from dl.step (1 where x > 0): relu'(0) = 0 as in PyTorch;
//    maximum/minimum give a tie's gradient to the second operand.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

using namespace mlir;
using namespace dlc::dl;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value add(OpBuilder &b, Location l, Value x, Value y) { return createInferred<AddOp>(b, l, x, y); }
Value sub(OpBuilder &b, Location l, Value x, Value y) { return createInferred<SubOp>(b, l, x, y); }
Value mul(OpBuilder &b, Location l, Value x, Value y) { return createInferred<MulOp>(b, l, x, y); }
Value div(OpBuilder &b, Location l, Value x, Value y) { return createInferred<DivOp>(b, l, x, y); }
Value neg(OpBuilder &b, Location l, Value x) { return b.create<NegOp>(l, x); }
Value step(OpBuilder &b, Location l, Value x) { return b.create<StepOp>(l, x); }

/// A 0-d f32 constant, broadcast by the binary ops.
Value scalar(OpBuilder &b, Location l, Type elementType, double v) {
  auto type = RankedTensorType::get({}, elementType);
  return b.create<ConstantOp>(
      l, type, DenseElementsAttr::get(type, b.getFloatAttr(elementType, v)));
}

Value transpose(OpBuilder &b, Location l, Value x, ArrayRef<int64_t> perm) {
  return createInferred<TransposeOp>(b, l, x, b.getDenseI64ArrayAttr(perm));
}

/// Swaps the last two dims.
Value swapLast(OpBuilder &b, Location l, Value x) {
  int64_t r = tensorType(x).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
  std::swap(perm[r - 1], perm[r - 2]);
  return transpose(b, l, x, perm);
}

Value reduceSum(OpBuilder &b, Location l, Value x, ArrayRef<int64_t> axes,
                bool keepDims) {
  return createInferred<ReduceSumOp>(b, l, x, b.getDenseI64ArrayAttr(axes),
                               keepDims ? b.getUnitAttr() : UnitAttr());
}

/// Sums the cotangent `g` of a broadcast result back to `operand`'s shape.
Value unbroadcast(OpBuilder &b, Location l, Value g, RankedTensorType operand) {
  auto gt = tensorType(g);
  int64_t R = gt.getRank(), r = operand.getRank();
  if (R > r) {
    g = reduceSum(b, l, g, llvm::to_vector(llvm::seq<int64_t>(0, R - r)), false);
    gt = tensorType(g);
  }
  SmallVector<int64_t> ones;
  for (int64_t i = 0; i < r; ++i)
    if (!operand.isDynamicDim(i) && operand.getDimSize(i) == 1 &&
        !(!gt.isDynamicDim(i) && gt.getDimSize(i) == 1))
      ones.push_back(i);
  if (!ones.empty())
    g = reduceSum(b, l, g, ones, true);
  return g;
}

/// Reshapes `g` to `target`'s shape: static dims as they are, one dynamic
/// dim inferred (-1), others copied from `g` at the same index (0).
FailureOr<Value> reshapeTo(OpBuilder &b, Location l, Value g,
                           RankedTensorType target, Operation *op) {
  int64_t dynamic = llvm::count_if(llvm::seq<int64_t>(0, target.getRank()),
                                   [&](int64_t i) { return target.isDynamicDim(i); });
  auto gt = tensorType(g);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < target.getRank(); ++i) {
    if (!target.isDynamicDim(i))
      shape.push_back(target.getDimSize(i));
    else if (dynamic == 1)
      shape.push_back(-1);
    else if (i < gt.getRank() && gt.isDynamicDim(i))
      shape.push_back(0);
    else
      return op->emitOpError("VJP: cannot reshape the cotangent ")
             << gt << " back to " << target << " (several dynamic dims)";
  }
  Value r = createInferred<ReshapeOp>(b, l, g, b.getDenseI64ArrayAttr(shape));
  return r;
}

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

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define DL_BINARY_VJP(OP, BODY)                                                \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    Location l = getLoc();                                                     \
    Value g = cts[0], a = getLhs(), c = getRhs(), y = getResult();             \
    (void)y;                                                                   \
    Value da, dc;                                                              \
    BODY;                                                                      \
    out.push_back(da ? unbroadcast(b, l, da, tensorType(a)) : Value());        \
    out.push_back(dc ? unbroadcast(b, l, dc, tensorType(c)) : Value());        \
    return success();                                                          \
  }

DL_BINARY_VJP(AddOp, { da = g; dc = g; })
DL_BINARY_VJP(SubOp, { da = g; dc = neg(b, l, g); })
DL_BINARY_VJP(MulOp, {
  da = mul(b, l, g, c);
  dc = mul(b, l, g, a);
})
DL_BINARY_VJP(DivOp, {
  da = div(b, l, g, c);
  dc = neg(b, l, div(b, l, mul(b, l, g, y), c));
})
DL_BINARY_VJP(PowOp, {
  // d/da a^c = c a^(c-1); d/dc a^c = a^c ln a.
  Type et = tensorType(a).getElementType();
  Value cm1 = sub(b, l, c, scalar(b, l, et, 1.0));
  da = mul(b, l, g, mul(b, l, c, createInferred<PowOp>(b, l, a, cm1)));
  dc = mul(b, l, g, mul(b, l, y, b.create<LogOp>(l, a)));
})
DL_BINARY_VJP(MaximumOp, {
  Value mask = step(b, l, sub(b, l, a, c));
  Value ga = mul(b, l, g, mask);
  da = ga;
  dc = sub(b, l, g, ga);
})
DL_BINARY_VJP(MinimumOp, {
  Value mask = step(b, l, sub(b, l, c, a));
  Value ga = mul(b, l, g, mask);
  da = ga;
  dc = sub(b, l, g, ga);
})
#undef DL_BINARY_VJP

#define DL_UNARY_VJP(OP, EXPR)                                                 \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    Location l = getLoc();                                                     \
    Value g = cts[0], x = getInput(), y = getResult();                         \
    Type et = tensorType(x).getElementType();                                  \
    (void)l, (void)g, (void)y;                                                 \
    (void)et;                                                                  \
    out.push_back(EXPR);                                                       \
    return success();                                                          \
  }

DL_UNARY_VJP(NegOp, neg(b, l, g))
DL_UNARY_VJP(AbsOp, mul(b, l, g, sub(b, l, step(b, l, x), step(b, l, neg(b, l, x)))))
DL_UNARY_VJP(ExpOp, mul(b, l, g, y))
DL_UNARY_VJP(LogOp, div(b, l, g, x))
DL_UNARY_VJP(SqrtOp, div(b, l, mul(b, l, g, scalar(b, l, et, 0.5)), y))
DL_UNARY_VJP(RsqrtOp,
             mul(b, l, mul(b, l, g, scalar(b, l, et, -0.5)), mul(b, l, y, mul(b, l, y, y))))
DL_UNARY_VJP(TanhOp, mul(b, l, g, sub(b, l, scalar(b, l, et, 1.0), mul(b, l, y, y))))
DL_UNARY_VJP(SigmoidOp, mul(b, l, g, mul(b, l, y, sub(b, l, scalar(b, l, et, 1.0), y))))
// The mask from the output, as PyTorch's threshold_backward(grad, result,
// 0): relu(x) > 0 exactly where x > 0, and with the input no longer read
// by the backward pass, relu fuses into its producer (a matmul's or conv's
// epilogue) instead of ending the group with a stored pre-activation.
DL_UNARY_VJP(ReluOp, mul(b, l, g, step(b, l, y)))
// Piecewise constant: zero almost everywhere.
DL_UNARY_VJP(StepOp, Value())
#undef DL_UNARY_VJP

LogicalResult CastOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  auto in = tensorType(getInput()), res = tensorType(getResult());
  if (!isa<FloatType>(in.getElementType()) || !isa<FloatType>(res.getElementType())) {
    out.push_back(Value());
    return success();
  }
  out.push_back(b.create<CastOp>(getLoc(), in, cts[0]));
  return success();
}

LogicalResult DropoutOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                  SmallVectorImpl<Value> &out) {
  // Inference form: the identity. (Training rewrites dropout into a mask
  // product before differentiation.)
  out.push_back(cts[0]);
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Shape manipulation
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

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

#define DL_LOSS_VJP(OP, KIND, LOGITS)                                          \
  LogicalResult OP::buildVJP(OpBuilder &b, ArrayRef<Value> cts,                \
                             SmallVectorImpl<Value> &out) {                    \
    out.push_back(b.create<LossGradOp>(getLoc(), getPredictions().getType(),   \
                                       KIND, getPredictions(), getTargets(),   \
                                       cts[0], LOGITS, false));                \
    /* Integer labels have no gradient; float targets do. */                   \
    bool floatTargets =                                                        \
        isa<FloatType>(tensorType(getTargets()).getElementType());             \
    out.push_back(floatTargets ? b.create<LossGradOp>(                         \
                                     getLoc(), getTargets().getType(), KIND,   \
                                     getPredictions(), getTargets(), cts[0],   \
                                     LOGITS, true)                             \
                               : Value());                                     \
    return success();                                                          \
  }
DL_LOSS_VJP(MSELossOp, "mse", false)
DL_LOSS_VJP(BinaryCrossEntropyOp, "binary_cross_entropy", getFromLogits())
DL_LOSS_VJP(CategoricalCrossEntropyOp, "categorical_cross_entropy", getFromLogits())
DL_LOSS_VJP(SparseCategoricalCrossEntropyOp, "sparse_categorical_cross_entropy",
            getFromLogits())
#undef DL_LOSS_VJP

//===----------------------------------------------------------------------===//
// Training helpers
//===----------------------------------------------------------------------===//

LogicalResult DropoutMaskOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                      SmallVectorImpl<Value> &out) {
  // The mask depends on the input's shape only.
  out.append({Value(), Value()});
  return success();
}

LogicalResult BroadcastLikeOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                        SmallVectorImpl<Value> &out) {
  out.push_back(unbroadcast(b, getLoc(), cts[0], tensorType(getInput())));
  out.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Ops with dedicated gradient ops
//===----------------------------------------------------------------------===//

LogicalResult GeluOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  out.push_back(b.create<GeluGradOp>(getLoc(), getType(), getInput(), cts[0],
                                     getApproximateAttr()));
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

LogicalResult Conv2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                 SmallVectorImpl<Value> &out) {
  out.push_back(b.create<Conv2DGradInputOp>(getLoc(), getInput().getType(), cts[0],
                                            getFilter(), getInput(), getStridesAttr(),
                                            getPaddingAttr(), getDilationAttr(),
                                            getGroupsAttr()));
  out.push_back(b.create<Conv2DGradFilterOp>(getLoc(), getFilter().getType(), cts[0],
                                             getInput(), getFilter(), getStridesAttr(),
                                             getPaddingAttr(), getDilationAttr(),
                                             getGroupsAttr()));
  return success();
}

LogicalResult MaxPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(b.create<MaxPool2DGradOp>(getLoc(), getInput().getType(), cts[0],
                                          getInput(), getKernelAttr(), getStridesAttr(),
                                          getPaddingAttr()));
  return success();
}

LogicalResult AvgPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(b.create<AvgPool2DGradOp>(getLoc(), getInput().getType(), cts[0],
                                          getInput(), getKernelAttr(), getStridesAttr(),
                                          getPaddingAttr(), getCountIncludePadAttr()));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalizations, composed of dl ops
//===----------------------------------------------------------------------===//

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

LogicalResult LSTMOp::buildVJP(OpBuilder &b, ArrayRef<Value> cts,
                               SmallVectorImpl<Value> &out) {
  // Backpropagation through time is one op (a host loop over the steps);
  // an unused result's cotangent is zero.
  Location l = getLoc();
  SmallVector<Value, 3> results;
  for (auto [ct, r] : llvm::zip(cts, getResults())) {
    Value zero = scalar(b, l, tensorType(r).getElementType(), 0.0);
    results.push_back(ct ? ct : b.create<BroadcastLikeOp>(l, r.getType(), zero, r).getResult());
  }
  auto grad = b.create<LSTMGradOp>(
      l, TypeRange{getInput().getType(), getWIh().getType(), getWHh().getType(),
                   getBias().getType()},
      getInput(), getWIh(), getWHh(), getBias(), results[0], results[1], results[2]);
  out.append(grad.getResults().begin(), grad.getResults().end());
  return success();
}
