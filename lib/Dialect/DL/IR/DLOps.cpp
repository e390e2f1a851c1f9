//===- DLOps.cpp - Operations of the dl dialect ---------------------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/IR/ShapeFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace dlc;
using namespace dlc::dl;

#include "dlc/Dialect/DL/IR/DLOpsEnums.cpp.inc"
#include "dlc/Dialect/DL/IR/DLOpsInterfaces.cpp.inc"

static std::string joinTypes(TypeRange types) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(types, os);
  return s;
}

LogicalResult dlc::dl::verifyInferredResultTypes(Operation *op) {
  SmallVector<Type> inferred;
  if (failed(cast<ShapeInferenceOpInterface>(op).inferResultTypes(op->getLoc(),
                                                                  inferred)))
    return failure();
  if (!areCompatibleReturnTypes(inferred, op->getResultTypes()))
    return op->emitOpError("result type ")
           << joinTypes(op->getResultTypes()) << " does not match the inferred "
           << joinTypes(inferred);
  return success();
}

bool dlc::dl::areCompatibleReturnTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    auto ta = llvm::dyn_cast<RankedTensorType>(a);
    auto tb = llvm::dyn_cast<RankedTensorType>(b);
    if (!ta || !tb || ta.getElementType() != tb.getElementType() ||
        failed(verifyCompatibleShape(ta, tb)))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
/// Reports shape-function errors at an op's location, worded as the
/// verifier's own ("'dl.matmul' op ...").
struct OpErrors {
  std::optional<Location> loc;
  StringRef opName;
  void operator()(const Twine &msg) const {
    if (loc)
      mlir::emitError(*loc) << "'" << opName << "' op " << msg.str();
  }
};
} // namespace

template <typename OpTy>
static OpErrors errorsFor(std::optional<Location> loc) {
  return OpErrors{loc, OpTy::getOperationName()};
}

static FailureOr<TensorShape> shapeOf(Value v, const OpErrors &err) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t) {
    err("expects ranked tensor operands");
    return failure();
  }
  return TensorShape::fromType(t);
}

static LogicalResult pushShape(MLIRContext *ctx, FailureOr<TensorShape> shape,
                               SmallVectorImpl<Type> &types) {
  if (failed(shape))
    return failure();
  types.push_back(shape->toType(ctx));
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp, ParameterOp, ParamOp, OptimizerOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::verify() {
  if (!getType().hasStaticShape())
    return emitOpError("must have a static shape, got ") << getType();
  return success();
}

LogicalResult ParameterOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError("parameter '")
           << getSymName() << "' must have a static shape, got " << type;
  if (std::string why = tensorLimitViolation(TensorShape::fromType(type));
      !why.empty())
    return emitOpError("parameter '") << getSymName() << "': " << why;
  Initializer init = getInitializer();
  if (init == Initializer::constant && !getValue())
    return emitOpError("initializer 'constant' needs a 'value'");
  if (auto s = getStddev(); s && !(s->convertToDouble() > 0))
    return emitOpError("'stddev' must be positive, got ")
           << s->convertToDouble();
  if (getMinval() || getMaxval()) {
    double lo = getMinval() ? getMinval()->convertToDouble() : -0.05;
    double hi = getMaxval() ? getMaxval()->convertToDouble() : 0.05;
    if (!(lo < hi))
      return emitOpError("'minval' (") << lo << ") must be below 'maxval' ("
                                       << hi << ")";
  }
  bool fanBased = init == Initializer::glorot_uniform ||
                  init == Initializer::glorot_normal ||
                  init == Initializer::he_normal ||
                  init == Initializer::he_uniform ||
                  init == Initializer::lecun_normal ||
                  init == Initializer::lecun_uniform;
  if (fanBased && type.getRank() < 1)
    return emitOpError("initializer '")
           << stringifyInitializer(init)
           << "' needs a tensor of rank >= 1 to compute its fans, got "
           << type;
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl = symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this,
                                                               getNameAttr());
  if (!decl)
    return emitOpError("'") << getName() << "' is not a dl.parameter";
  if (decl.getTensorType() != getType())
    return emitOpError("type ")
           << getType() << " does not match parameter '" << getName()
           << "' of type " << decl.getTensorType();
  return success();
}

LogicalResult OptimizerOp::verify() {
  auto positive = [&](StringRef name, double v) -> LogicalResult {
    if (!(v > 0) || !std::isfinite(v))
      return emitOpError("'") << name << "' must be positive, got " << v;
    return success();
  };
  auto unit = [&](StringRef name, double v) -> LogicalResult {
    if (!(v >= 0 && v < 1))
      return emitOpError("'") << name << "' must be in [0, 1), got " << v;
    return success();
  };
  if (failed(positive("learning_rate", getLearningRate().convertToDouble())) ||
      failed(unit("momentum", getMomentum().convertToDouble())) ||
      failed(unit("beta1", getBeta1().convertToDouble())) ||
      failed(unit("beta2", getBeta2().convertToDouble())) ||
      failed(positive("epsilon", getEpsilon().convertToDouble())))
    return failure();
  if (getWeightDecay().convertToDouble() < 0 || getL2().convertToDouble() < 0)
    return emitOpError("'weight_decay' and 'l2' must not be negative");
  if (getNesterov() && getKind() != OptimizerKind::sgd)
    return emitOpError("'nesterov' applies to sgd only");
  if (getNesterov() && getMomentum().convertToDouble() == 0)
    return emitOpError("'nesterov' needs a positive 'momentum'");
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Folds `lhs op rhs` on float constants: splat with splat, or equal shapes.
static Attribute foldBinaryConstants(Attribute lhsAttr, Attribute rhsAttr,
                                     Type resultType,
                                     function_ref<double(double, double)> fn) {
  auto lhs = llvm::dyn_cast_if_present<DenseElementsAttr>(lhsAttr);
  auto rhs = llvm::dyn_cast_if_present<DenseElementsAttr>(rhsAttr);
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  if (!lhs || !rhs || !type || !type.hasStaticShape() ||
      !type.getElementType().isF32() ||
      !lhs.getElementType().isF32() || !rhs.getElementType().isF32())
    return {};
  if (lhs.isSplat() && rhs.isSplat())
    return DenseElementsAttr::get(
        type, (float)fn(lhs.getSplatValue<float>(), rhs.getSplatValue<float>()));
  if (lhs.getType() != type && !lhs.isSplat())
    return {};
  if (rhs.getType() != type && !rhs.isSplat())
    return {};
  int64_t n = type.getNumElements();
  if (n > (1 << 20))
    return {}; // keep the IR small; the kernel computes it at run time
  SmallVector<float> out(n);
  auto lv = lhs.getValues<float>(), rv = rhs.getValues<float>();
  for (int64_t i = 0; i < n; ++i)
    out[i] = fn(lhs.isSplat() ? lv[0] : lv[i], rhs.isSplat() ? rv[0] : rv[i]);
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}

/// Whether `attr` is a float splat equal to `v`.
static bool isSplatOf(Attribute attr, double v) {
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!d || !d.isSplat() || !llvm::isa<FloatType>(d.getElementType()))
    return false;
  return d.getSplatValue<APFloat>().convertToDouble() == v;
}

/// `x op c` -> `x` when `c` is the identity and no broadcast changes `x`.
static OpFoldResult foldIdentity(Value x, Attribute c, Type resultType,
                                 double identity) {
  if (x.getType() == resultType && isSplatOf(c, identity))
    return x;
  return {};
}

template <typename OpTy>
static LogicalResult inferBinary(MLIRContext *ctx, std::optional<Location> loc,
                                 OpTy adaptor,
                                 SmallVectorImpl<Type> &types) {
  OpErrors err = errorsFor<OpTy>(loc);
  auto l = shapeOf(adaptor.getLhs(), err), r = shapeOf(adaptor.getRhs(), err);
  if (failed(l) || failed(r))
    return failure();
  return pushShape(ctx, inferBroadcastShape(*l, *r, err), types);
}

#define DL_BINARY_INFER(OP)                                                    \
  LogicalResult OP::inferResultTypes(std::optional<Location> loc,             \
                                     SmallVectorImpl<Type> &types) {           \
    MLIRContext *ctx = getContext();                                           \
    auto adaptor = *this;                                                      \
    return inferBinary<OP>(ctx, loc, adaptor, types);                          \
  }
DL_BINARY_INFER(AddOp)
DL_BINARY_INFER(SubOp)
DL_BINARY_INFER(MulOp)
DL_BINARY_INFER(DivOp)
DL_BINARY_INFER(PowOp)
DL_BINARY_INFER(MaximumOp)
DL_BINARY_INFER(MinimumOp)
#undef DL_BINARY_INFER

OpFoldResult AddOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x + y; }))
    return c;
  if (auto r = foldIdentity(getLhs(), a.getRhs(), getType(), 0.0))
    return r;
  return foldIdentity(getRhs(), a.getLhs(), getType(), 0.0);
}

OpFoldResult SubOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x - y; }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 0.0);
}

OpFoldResult MulOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x * y; }))
    return c;
  if (auto r = foldIdentity(getLhs(), a.getRhs(), getType(), 1.0))
    return r;
  return foldIdentity(getRhs(), a.getLhs(), getType(), 1.0);
}

OpFoldResult DivOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                                   [](double x, double y) { return x / y; }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 1.0);
}

OpFoldResult PowOp::fold(FoldAdaptor a) {
  if (auto c = foldBinaryConstants(
          a.getLhs(), a.getRhs(), getType(),
          [](double x, double y) { return std::pow((float)x, (float)y); }))
    return c;
  return foldIdentity(getLhs(), a.getRhs(), getType(), 1.0);
}

OpFoldResult MaximumOp::fold(FoldAdaptor a) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                             [](double x, double y) {
                               return std::isnan(x) || std::isnan(y)
                                          ? NAN
                                          : std::max(x, y);
                             });
}

OpFoldResult MinimumOp::fold(FoldAdaptor a) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryConstants(a.getLhs(), a.getRhs(), getType(),
                             [](double x, double y) {
                               return std::isnan(x) || std::isnan(y)
                                          ? NAN
                                          : std::min(x, y);
                             });
}

/// Folds a unary op on an f32 constant, computing in float as the kernels do.
static Attribute foldUnaryConstant(Attribute input, Type resultType,
                                   function_ref<float(float)> fn) {
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(input);
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  if (!d || !type || !type.getElementType().isF32() || !type.hasStaticShape())
    return {};
  if (d.isSplat())
    return DenseElementsAttr::get(type, fn(d.getSplatValue<float>()));
  if (type.getNumElements() > (1 << 20))
    return {};
  SmallVector<float> out;
  for (float v : d.getValues<float>())
    out.push_back(fn(v));
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}

#define DL_UNARY_FOLD(OP, EXPR)                                                \
  OpFoldResult OP::fold(FoldAdaptor a) {                                       \
    return foldUnaryConstant(a.getInput(), getType(),                          \
                             [](float x) -> float { return EXPR; });           \
  }
DL_UNARY_FOLD(NegOp, -x)
DL_UNARY_FOLD(AbsOp, std::fabs(x))
DL_UNARY_FOLD(ExpOp, std::exp(x))
DL_UNARY_FOLD(LogOp, std::log(x))
DL_UNARY_FOLD(SqrtOp, std::sqrt(x))
DL_UNARY_FOLD(RsqrtOp, 1.0f / std::sqrt(x))
DL_UNARY_FOLD(TanhOp, std::tanh(x))
DL_UNARY_FOLD(SigmoidOp, 1.0f / (1.0f + std::exp(-x)))
DL_UNARY_FOLD(ReluOp, x > 0 ? x : (std::isnan(x) ? x : 0.0f))
DL_UNARY_FOLD(StepOp, x > 0 ? 1.0f : 0.0f)
#undef DL_UNARY_FOLD

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<MatmulOp>(loc);
  auto l = shapeOf(adaptor.getLhs(), err), r = shapeOf(adaptor.getRhs(), err);
  if (failed(l) || failed(r))
    return failure();
  if (l->rank() != 2 || r->rank() != 2) {
    err("operands must have rank 2 (use dl.batch_matmul for batches): " +
        l->str() + " @ " + r->str());
    return failure();
  }
  return pushShape(ctx, inferMatmulShape(*l, *r, err), types);
}

LogicalResult BatchMatmulOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<BatchMatmulOp>(loc);
  auto l = shapeOf(adaptor.getLhs(), err), r = shapeOf(adaptor.getRhs(), err);
  if (failed(l) || failed(r))
    return failure();
  if (std::max(l->rank(), r->rank()) < 3) {
    err("one operand must have rank >= 3 (use dl.matmul for matrices): " +
        l->str() + " @ " + r->str());
    return failure();
  }
  return pushShape(ctx, inferMatmulShape(*l, *r, err), types);
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult inferReduce(MLIRContext *ctx, std::optional<Location> loc,
                                 OpTy adaptor,
                                 SmallVectorImpl<Type> &types) {
  OpErrors err = errorsFor<OpTy>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx,
                   inferReduceShape(*in, adaptor.getAxes(),
                                    adaptor.getKeepDims(), err),
                   types);
}

#define DL_REDUCE_INFER(OP)                                                    \
  LogicalResult OP::inferResultTypes(std::optional<Location> loc,             \
                                     SmallVectorImpl<Type> &types) {           \
    MLIRContext *ctx = getContext();                                           \
    auto adaptor = *this;                                                      \
    return inferReduce<OP>(ctx, loc, adaptor, types);                          \
  }
DL_REDUCE_INFER(ReduceSumOp)
DL_REDUCE_INFER(ReduceMeanOp)
DL_REDUCE_INFER(ReduceMaxOp)
#undef DL_REDUCE_INFER

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

LogicalResult BatchNormOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<BatchNormOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  std::pair<Value, StringRef> params[] = {{adaptor.getScale(), "scale"},
                                          {adaptor.getBias(), "bias"},
                                          {adaptor.getMean(), "mean"},
                                          {adaptor.getVariance(), "variance"}};
  for (auto [v, name] : params) {
    auto p = shapeOf(v, err);
    if (failed(p) || failed(verifyChannelParam(*in, *p, name, err)))
      return failure();
  }
  if (!(adaptor.getEpsilon().convertToDouble() > 0)) {
    err("epsilon must be positive");
    return failure();
  }
  double m = adaptor.getMomentum().convertToDouble();
  if (!(m >= 0 && m <= 1)) {
    err("momentum must be in [0, 1]");
    return failure();
  }
  types.push_back(in->toType(ctx));
  return success();
}

LogicalResult LayerNormOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<LayerNormOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  auto scale = shapeOf(adaptor.getScale(), err);
  auto bias = shapeOf(adaptor.getBias(), err);
  if (failed(in) || failed(scale) || failed(bias) ||
      failed(verifyNormalizedShape(*in, *scale, adaptor.getAxis(), "scale",
                                   err)) ||
      failed(verifyNormalizedShape(*in, *bias, adaptor.getAxis(), "bias", err)))
    return failure();
  if (!(adaptor.getEpsilon().convertToDouble() > 0)) {
    err("epsilon must be positive");
    return failure();
  }
  types.push_back(in->toType(ctx));
  return success();
}

LogicalResult DropoutOp::verify() {
  double r = getRate().convertToDouble();
  if (!(r >= 0 && r < 1))
    return emitOpError("rate must be in [0, 1), got ") << r;
  return success();
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getRate().convertToDouble() == 0)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<ReshapeOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx, inferReshapeShape(*in, adaptor.getShape(), err),
                   types);
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

LogicalResult TransposeOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<TransposeOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx, inferTransposeShape(*in, adaptor.getPerm(), err),
                   types);
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

LogicalResult BroadcastToOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<BroadcastToOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx, inferBroadcastToShape(*in, adaptor.getShape(), err),
                   types);
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  auto d = llvm::dyn_cast_if_present<DenseElementsAttr>(a.getInput());
  if (d && d.isSplat() && getType().hasStaticShape())
    return d.resizeSplat(getType());
  return {};
}

LogicalResult ConcatOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<ConcatOp>(loc);
  SmallVector<TensorShape> inputs;
  for (Value v : adaptor.getInputs()) {
    auto s = shapeOf(v, err);
    if (failed(s))
      return failure();
    inputs.push_back(*s);
  }
  return pushShape(ctx, inferConcatShape(inputs, adaptor.getAxis(), err),
                   types);
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return {};
}

LogicalResult SliceOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<SliceOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx,
                   inferSliceShape(*in, adaptor.getAxes(), adaptor.getStarts(),
                                   adaptor.getEnds(), adaptor.getSteps(), err),
                   types);
}

LogicalResult GatherOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<GatherOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  auto idx = shapeOf(adaptor.getIndices(), err);
  if (failed(in) || failed(idx))
    return failure();
  return pushShape(ctx, inferGatherShape(*in, *idx, adaptor.getAxis(), err),
                   types);
}

LogicalResult EmbeddingOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<EmbeddingOp>(loc);
  auto table = shapeOf(adaptor.getTable(), err);
  auto idx = shapeOf(adaptor.getIndices(), err);
  if (failed(table) || failed(idx))
    return failure();
  return pushShape(ctx, inferEmbeddingShape(*table, *idx, err), types);
}

//===----------------------------------------------------------------------===//
// Convolution, pooling, recurrence
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<Conv2DOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  auto filter = shapeOf(adaptor.getFilter(), err);
  if (failed(in) || failed(filter))
    return failure();
  return pushShape(ctx,
                   inferConv2DShape(*in, *filter, adaptor.getStrides(),
                                    adaptor.getPadding(), adaptor.getDilation(),
                                    adaptor.getGroups(), err),
                   types);
}

template <typename OpTy>
static LogicalResult inferPool(MLIRContext *ctx, std::optional<Location> loc,
                               OpTy adaptor,
                               SmallVectorImpl<Type> &types) {
  OpErrors err = errorsFor<OpTy>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  if (failed(in))
    return failure();
  return pushShape(ctx,
                   inferPool2DShape(*in, adaptor.getKernel(),
                                    adaptor.getStrides(), adaptor.getPadding(),
                                    err),
                   types);
}

LogicalResult MaxPool2DOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  return inferPool<MaxPool2DOp>(ctx, loc, adaptor, types);
}

LogicalResult AvgPool2DOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  return inferPool<AvgPool2DOp>(ctx, loc, adaptor, types);
}

LogicalResult LSTMOp::inferResultTypes(std::optional<Location> loc,
                                    SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = getContext();
  auto adaptor = *this;
  OpErrors err = errorsFor<LSTMOp>(loc);
  auto in = shapeOf(adaptor.getInput(), err);
  auto wIh = shapeOf(adaptor.getWIh(), err);
  auto wHh = shapeOf(adaptor.getWHh(), err);
  auto bias = shapeOf(adaptor.getBias(), err);
  if (failed(in) || failed(wIh) || failed(wHh) || failed(bias))
    return failure();
  auto shapes = inferLSTMShape(*in, *wIh, *wHh, *bias, err);
  if (failed(shapes))
    return failure();
  for (const TensorShape &s : *shapes)
    types.push_back(s.toType(ctx));
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult inferLoss(MLIRContext *ctx, std::optional<Location> loc,
                               OpTy adaptor, LossKind kind,
                               SmallVectorImpl<Type> &types) {
  OpErrors err = errorsFor<OpTy>(loc);
  auto p = shapeOf(adaptor.getPredictions(), err);
  auto t = shapeOf(adaptor.getTargets(), err);
  if (failed(p) || failed(t) || failed(verifyLossOperands(kind, *p, *t, err)))
    return failure();
  types.push_back(RankedTensorType::get({}, typeFromDType(ctx, p->dtype)));
  return success();
}

#define DL_LOSS_INFER(OP, KIND)                                                \
  LogicalResult OP::inferResultTypes(std::optional<Location> loc,             \
                                     SmallVectorImpl<Type> &types) {           \
    MLIRContext *ctx = getContext();                                           \
    auto adaptor = *this;                                                      \
    return inferLoss<OP>(ctx, loc, adaptor, LossKind::KIND, types);            \
  }
DL_LOSS_INFER(MSELossOp, MeanSquaredError)
DL_LOSS_INFER(BinaryCrossEntropyOp, BinaryCrossEntropy)
DL_LOSS_INFER(CategoricalCrossEntropyOp, CategoricalCrossEntropy)
DL_LOSS_INFER(SparseCategoricalCrossEntropyOp, SparseCategoricalCrossEntropy)
#undef DL_LOSS_INFER

#define GET_OP_CLASSES
#include "dlc/Dialect/DL/IR/DLOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Training ops
//===----------------------------------------------------------------------===//

static bool isLossKind(StringRef kind) {
  return kind == "mse" || kind == "binary_cross_entropy" ||
         kind == "categorical_cross_entropy" ||
         kind == "sparse_categorical_cross_entropy";
}

LogicalResult LossGradOp::verify() {
  if (!isLossKind(getKind()))
    return emitOpError("unknown loss kind '") << getKind() << "'";
  Value wrt = getWrtTargets() ? getTargets() : getPredictions();
  if (wrt.getType() != getType())
    return emitOpError("result type ") << getType() << " must be the "
                                       << (getWrtTargets() ? "targets'" : "predictions'")
                                       << " type " << wrt.getType();
  return success();
}

LogicalResult AccuracyOp::verify() {
  if (!isLossKind(getKind()) || getKind() == "mse")
    return emitOpError("accuracy needs a classification loss kind, got '")
           << getKind() << "'";
  return success();
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

LogicalResult AssignOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param = symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!param)
    return emitOpError("'") << getName() << "' is not a dl.parameter";
  if (param.getType() != getValue().getType())
    return emitOpError("value type ") << getValue().getType()
                                      << " differs from the parameter's "
                                      << param.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Fusion groups
//===----------------------------------------------------------------------===//

bool dlc::dl::isElementwise(Operation *op) {
  // dropout_mask: each element a function of its own index (and the
  // scalar seed), its input read for the shape only.
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaximumOp, MinimumOp, NegOp,
             AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp, ReluOp,
             StepOp, GeluOp, GeluGradOp, CastOp, DropoutMaskOp>(op);
}

bool dlc::dl::isView(Operation *op) {
  return op && isa<TransposeOp, BroadcastToOp, DropoutOp>(op);
}

Operation *FusionOp::getAnchor() {
  for (Operation &op : getBody().front().without_terminator())
    if (!isElementwise(&op))
      return &op;
  Operation *yield = getYield();
  if (yield->getNumOperands() == 0)
    return nullptr;
  return yield->getOperand(0).getDefiningOp();
}

LogicalResult FusionOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != 0)
    return emitOpError("body takes no arguments: it reads values defined "
                       "above");
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with dl.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().getTypes() << " but its results are "
           << getResultTypes();
  for (Operation &op : body.without_terminator())
    if (!isa<DLDialect>(op.getDialect()) || isa<ParamOp, AssignOp, FusionOp>(op))
      return op.emitOpError("cannot be part of a fusion group");
  return success();
}
