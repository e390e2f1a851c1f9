//===- TrainStep.cpp - dl-train-step: train_step and evaluate -------------===//

#include "dlc/Dialect/DL/IR/DLOps.h"
#include "dlc/Dialect/DL/Transforms/Autodiff.h"
#include "dlc/Dialect/DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace dlc::dl {
#define GEN_PASS_DEF_DLTRAINSTEP
#include "dlc/Dialect/DL/Transforms/Passes.h.inc"
} // namespace dlc::dl

using namespace mlir;
using namespace dlc::dl;

namespace {

struct TrainStepPass : public dlc::dl::impl::DLTrainStepBase<TrainStepPass> {
  ModuleOp module;
  OpBuilder *b = nullptr;

  /// Declares a `state` parameter (before the first function).
  ParameterOp declareState(StringRef name, RankedTensorType type,
                           std::optional<double> value = std::nullopt) {
    OpBuilder::InsertionGuard g(*b);
    b->setInsertionPoint(*module.getOps<func::FuncOp>().begin());
    auto init = value ? Initializer::constant : Initializer::zeros;
    return declared.emplace_back(b->create<ParameterOp>(
        module.getLoc(), b->getStringAttr(name), TypeAttr::get(type),
        InitializerAttr::get(b->getContext(), init), b->getUnitAttr(),
        b->getUnitAttr(), value ? b->getF64FloatAttr(*value) : FloatAttr(),
        FloatAttr(), FloatAttr(), FloatAttr(), FloatAttr()));
  }
  /// The state parameters declared so far (removed again if no train step
  /// can be built).
  SmallVector<ParameterOp> declared;

  Value read(ParameterOp p) {
    return b->create<ParamOp>(p.getLoc(), p.getTensorType(),
                              FlatSymbolRefAttr::get(p.getSymNameAttr()));
  }

  Value scalar(Location loc, double v) {
    auto type = RankedTensorType::get({}, b->getF32Type());
    return b->create<ConstantOp>(loc, type,
                                 DenseElementsAttr::get(type, b->getF32FloatAttr(v)));
  }

  func::FuncOp cloneEntry(func::FuncOp fn, StringRef name) {
    OpBuilder::InsertionGuard g(*b);
    b->setInsertionPointAfter(fn);
    auto clone = cast<func::FuncOp>(b->clone(*fn));
    clone.setSymName(name);
    clone->setAttr(DLDialect::kEntryAttrName, b->getStringAttr(name));
    return clone;
  }

  void runOnOperation() override {
    module = getOperation();
    OpBuilder builder(module.getContext());
    b = &builder;
    auto optimizers = llvm::to_vector(module.getOps<OptimizerOp>());
    if (optimizers.empty())
      return;
    OptimizerOp opt = optimizers.front();
    func::FuncOp lossFn;
    for (auto fn : module.getOps<func::FuncOp>())
      if (auto e = fn->getAttrOfType<StringAttr>(DLDialect::kEntryAttrName))
        if (e.getValue() == "loss")
          lossFn = fn;
    if (!lossFn) {
      opt.emitOpError("needs a `loss` entry point to train");
      return signalPassFailure();
    }
    if (failed(buildTrainStep(opt, lossFn)) || failed(buildEvaluate(lossFn)))
      return signalPassFailure();
  }

  /// The non-trainable parameter that `v` reads, if any.
  ParameterOp runningStat(Value v) {
    auto read = v.getDefiningOp<ParamOp>();
    if (!read)
      return {};
    auto p = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(read, read.getNameAttr());
    return p && p.getNonTrainable() && !p.getState() ? p : ParameterOp();
  }

  struct RunningUpdate {
    ParameterOp param;
    Value value;
  };

  /// Rewrites each dl.batch_norm that reads running statistics (the
  /// `batch_norm` layer) to normalize with the batch's statistics, as
  /// torch.nn.BatchNorm2d in training mode (Ioffe & Szegedy 2015): the mean
  /// and biased variance over every dim but the channel (1). The gradient
  /// then flows through the statistics (BatchNormOp's VJP covers them).
  /// Returns the running averages' new values, PyTorch's update:
  /// running = (1 - momentum) running + momentum batch, with the variance
  /// unbiased (n / (n - 1), n = elements per channel, counted at run time).
  SmallVector<RunningUpdate> trainBatchNorms(Block &body) {
    SmallVector<RunningUpdate> updates;
    for (auto bn : llvm::to_vector(body.getOps<BatchNormOp>())) {
      ParameterOp meanP = runningStat(bn.getMean()), varP = runningStat(bn.getVariance());
      if (!meanP || !varP)
        continue;
      Location l = bn.getLoc();
      b->setInsertionPoint(bn);
      Value x = bn.getInput();
      auto xType = cast<RankedTensorType>(x.getType());
      int64_t r = xType.getRank();
      SmallVector<int64_t> others = {0}, perChannel = {xType.getDimSize(1)};
      for (int64_t i = 2; i < r; ++i) {
        others.push_back(i);
        perChannel.push_back(1);
      }
      auto axes = b->getDenseI64ArrayAttr(others);
      auto mean = createInferred<ReduceMeanOp>(*b, l, x, axes, UnitAttr());
      Value centered = createInferred<SubOp>(
          *b, l, x, createInferred<ReshapeOp>(*b, l, mean, b->getDenseI64ArrayAttr(perChannel)));
      auto var = createInferred<ReduceMeanOp>(
          *b, l, createInferred<MulOp>(*b, l, centered, centered), axes, UnitAttr());
      Value y = b->create<BatchNormOp>(l, bn.getType(), x, bn.getScale(), bn.getBias(), mean,
                                       var, bn.getEpsilonAttr(), bn.getMomentumAttr());
      bn.replaceAllUsesWith(y);

      Value ones = b->create<BroadcastLikeOp>(l, xType, scalar(l, 1.0), x);
      Value n = createInferred<ReduceSumOp>(*b, l, ones, axes, UnitAttr());
      Value nMinus1 = createInferred<MaximumOp>(
          *b, l, createInferred<SubOp>(*b, l, n, scalar(l, 1.0)), scalar(l, 1.0));
      Value unbiased = createInferred<DivOp>(*b, l, createInferred<MulOp>(*b, l, var, n), nMinus1);
      double m = bn.getMomentum().convertToDouble();
      auto blend = [&](ParameterOp p, Value batch) {
        Value keep = createInferred<MulOp>(*b, l, read(p), scalar(l, 1.0 - m));
        return createInferred<AddOp>(*b, l, keep,
                                     createInferred<MulOp>(*b, l, batch, scalar(l, m)));
      };
      updates.push_back({meanP, blend(meanP, mean)});
      updates.push_back({varP, blend(varP, unbiased)});
      bn.erase();
    }
    return updates;
  }

  LogicalResult buildTrainStep(OptimizerOp opt, func::FuncOp lossFn) {
    auto f32 = b->getF32Type();
    auto scalarType = RankedTensorType::get({}, f32);
    SmallVector<ParameterOp> trainable;
    for (auto p : module.getOps<ParameterOp>())
      if (!p.getNonTrainable() && !p.getState())
        trainable.push_back(p);
    bool hasDropout = !lossFn.getOps<DropoutOp>().empty();
    OptimizerKind kind = opt.getKind();
    double momentum = opt.getMomentum().convertToDouble();

    ParameterOp stepP = declareState("optimizer.step", scalarType, std::nullopt);
    ParameterOp lrP = declareState("optimizer.learning_rate", scalarType,
                                   opt.getLearningRate().convertToDouble());
    ParameterOp seedP;
    if (hasDropout)
      seedP = declareState("rng.seed", scalarType, std::nullopt);
    SmallVector<SmallVector<ParameterOp, 2>> slots;
    for (ParameterOp p : trainable) {
      SmallVector<ParameterOp, 2> s;
      std::string base = ("optimizer." + p.getSymName()).str();
      if (kind == OptimizerKind::adam || kind == OptimizerKind::adamw) {
        s.push_back(declareState(base + ".m", p.getTensorType()));
        s.push_back(declareState(base + ".v", p.getTensorType()));
      } else if (momentum != 0) {
        s.push_back(declareState(base + ".momentum", p.getTensorType()));
      }
      slots.push_back(s);
    }

    func::FuncOp fn = cloneEntry(lossFn, "train_step");
    Block &body = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Location loc = fn.getLoc();
    b->setInsertionPointToStart(&body);

    // Training-mode dropout: a fresh mask per step and per op, recomputed
    // (not stored) wherever the backward pass needs it.
    if (hasDropout) {
      Value seed = read(seedP);
      int64_t salt = 0;
      for (auto d : llvm::to_vector(body.getOps<DropoutOp>())) {
        b->setInsertionPoint(d);
        Value mask = b->create<DropoutMaskOp>(d.getLoc(), d.getType(), d.getInput(), seed,
                                              d.getRateAttr(), b->getI64IntegerAttr(++salt));
        Value y = b->create<MulOp>(d.getLoc(), d.getType(), d.getInput(), mask);
        d.replaceAllUsesWith(y);
        d.erase();
      }
    }

    // Training-mode batch normalization of the `batch_norm` layer.
    SmallVector<RunningUpdate> running = trainBatchNorms(body);

    b->setInsertionPoint(ret);
    Value loss = ret.getOperand(0);
    // Keras-style L2 regularization of the weights (rank >= 2).
    double l2 = opt.getL2().convertToDouble();
    if (l2 > 0) {
      Value penalty;
      for (ParameterOp p : trainable) {
        if (p.getTensorType().getRank() < 2)
          continue;
        Value w = read(p);
        Value sq = b->create<MulOp>(loc, w.getType(), w, w);
        Value s = b->create<ReduceSumOp>(loc, scalarType, sq, b->getDenseI64ArrayAttr({}),
                                         UnitAttr());
        penalty = penalty ? b->create<AddOp>(loc, scalarType, penalty, s).getResult() : s;
      }
      if (penalty)
        loss = b->create<AddOp>(loc, scalarType, loss,
                                b->create<MulOp>(loc, scalarType, penalty, scalar(loc, l2)));
    }

    SmallVector<SmallVector<Value, 1>> wrt;
    for (ParameterOp p : trainable) {
      SmallVector<Value, 1> reads;
      for (auto r : body.getOps<ParamOp>())
        if (r.getName() == p.getSymName())
          reads.push_back(r.getResult());
      if (reads.empty())
        reads.push_back(read(p));
      wrt.push_back(reads);
    }
    Operation *missing = nullptr;
    auto grads = buildGradients(*b, loss, wrt, &missing);
    if (failed(grads)) {
      fn.erase();
      for (ParameterOp p : declared)
        p.erase();
      declared.clear();
      if (!missing)
        return failure();
      // Inference still compiles; training waits for the op's VJP.
      mlir::emitWarning(missing->getLoc())
          << "no train_step: '" << missing->getName() << "' has no VJP yet";
      return success();
    }

    Value step = b->create<AddOp>(loc, scalarType, read(stepP), scalar(loc, 1.0));
    b->create<AssignOp>(loc, FlatSymbolRefAttr::get(stepP.getSymNameAttr()), step);
    Value lr = read(lrP);
    auto assign = [&](ParameterOp p, Value v) {
      b->create<AssignOp>(loc, FlatSymbolRefAttr::get(p.getSymNameAttr()), v);
    };
    for (auto [i, p] : llvm::enumerate(trainable)) {
      Value w = wrt[i].front(), g = (*grads)[i];
      Type t = p.getTensorType();
      if (kind == OptimizerKind::adam || kind == OptimizerKind::adamw) {
        double wd = kind == OptimizerKind::adamw ? opt.getWeightDecay().convertToDouble() : 0;
        auto upd = b->create<AdamUpdateOp>(
            loc, TypeRange{t, t, t}, w, g, read(slots[i][0]), read(slots[i][1]), step, lr,
            opt.getBeta1Attr(), opt.getBeta2Attr(), opt.getEpsilonAttr(),
            b->getF64FloatAttr(wd));
        assign(p, upd.getNewParam());
        assign(slots[i][0], upd.getNewM());
        assign(slots[i][1], upd.getNewV());
      } else if (momentum != 0) {
        auto upd = b->create<SGDUpdateOp>(loc, TypeRange{t, t}, w, g, read(slots[i][0]), lr,
                                          opt.getMomentumAttr(),
                                          opt.getNesterov() ? b->getUnitAttr() : UnitAttr());
        assign(p, upd.getNewParam());
        assign(slots[i][0], upd.getNewBuffer());
      } else {
        Value delta = b->create<MulOp>(loc, t, g, lr);
        assign(p, b->create<SubOp>(loc, t, w, delta));
      }
    }
    for (const RunningUpdate &u : running)
      assign(u.param, u.value);
    if (hasDropout)
      assign(seedP, b->create<AddOp>(loc, scalarType, read(seedP), scalar(loc, 1.0)));
    b->create<func::ReturnOp>(ret.getLoc(), loss);
    ret.erase();
    return success();
  }

  LogicalResult buildEvaluate(func::FuncOp lossFn) {
    func::FuncOp fn = cloneEntry(lossFn, "evaluate");
    Block &body = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);
    Operation *def = loss.getDefiningOp();
    StringRef kind;
    bool fromLogits = def && def->hasAttr("from_logits");
    if (isa_and_nonnull<BinaryCrossEntropyOp>(def))
      kind = "binary_cross_entropy";
    else if (isa_and_nonnull<CategoricalCrossEntropyOp>(def))
      kind = "categorical_cross_entropy";
    else if (isa_and_nonnull<SparseCategoricalCrossEntropyOp>(def))
      kind = "sparse_categorical_cross_entropy";
    if (kind.empty())
      return success();
    b->setInsertionPoint(ret);
    auto scalarType = RankedTensorType::get({}, b->getF32Type());
    Value acc = b->create<AccuracyOp>(ret.getLoc(), scalarType, kind, def->getOperand(0),
                                      def->getOperand(1), fromLogits);
    b->create<func::ReturnOp>(ret.getLoc(), ValueRange{loss, acc});
    ret.erase();
    fn.setFunctionType(b->getFunctionType(fn.getArgumentTypes(), {scalarType, scalarType}));
    SmallVector<Attribute> attrs = {
        fn.getResultAttrDict(0) ? (Attribute)fn.getResultAttrDict(0) : b->getDictionaryAttr({}),
        b->getDictionaryAttr(
            {b->getNamedAttr(DLDialect::kNameAttrName, b->getStringAttr("accuracy"))})};
    fn.setAllResultAttrs(attrs);
    return success();
  }
};
} // namespace
