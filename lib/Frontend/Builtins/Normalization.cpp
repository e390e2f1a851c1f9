//===- Normalization.cpp - Normalization and dropout built-ins of .dl -----===//
//
// softmax and log_softmax over an axis, batch_norm and layer_norm (given
// their statistics and affine parameters, or as layers that declare them
// with PyTorch's names) and dropout. Their attribute checks (epsilon,
// momentum, rate) are the op verifiers'; buildVerified reports them at the
// call.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;

void dlc::frontend::registerNormalizationBuiltins(BuiltinRegistry &r) {
  auto softmaxLike = [&](StringRef name, auto *tag) {
    using OpTy = std::remove_pointer_t<decltype(tag)>;
    r.add(name, {"x", "axis"}, {"x"},
          [name = name.str()](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
            auto x = g.floatTensorArg(a, "x");
            if (!x)
              return std::nullopt;
            int64_t axis = -1;
            if (a.get("axis")) {
              auto v = g.asInt(a.get("axis"), name + ": axis", a.loc);
              if (!v)
                return std::nullopt;
              axis = *v;
            }
            if (failed(normalizeAxis(axis, x->shape.rank(),
                                     g.shapeErr(a.loc, name))))
              return std::nullopt;
            return g.build<OpTy>(a.loc, x->shape, x->value, axis);
          });
  };
  softmaxLike("softmax", (dl::SoftmaxOp *)nullptr);
  softmaxLike("log_softmax", (dl::LogSoftmaxOp *)nullptr);

  r.add("dropout", {"x", "rate", "name"}, {"x", "rate"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x");
          auto rate = g.asNumber(a.get("rate"), "dropout: rate", a.loc);
          if (!x || !rate)
            return std::nullopt;
          return g.buildVerified<dl::DropoutOp>(
              a.loc, x->shape, x->value, g.builder.getF64FloatAttr(*rate));
        });
  r.add(
      "batch_norm",
      {"x", "mean", "variance", "scale", "bias", "momentum", "epsilon", "name"},
      {"x"}, [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
        auto x = g.floatTensorArg(a, "x");
        if (!x)
          return std::nullopt;
        double eps = 1e-5, momentum = 0.1;
        if (a.get("epsilon")) {
          auto v = g.asNumber(a.get("epsilon"), "batch_norm: epsilon", a.loc);
          if (!v)
            return std::nullopt;
          eps = *v;
        }
        if (a.get("momentum")) {
          auto v = g.asNumber(a.get("momentum"), "batch_norm: momentum", a.loc);
          if (!v)
            return std::nullopt;
          momentum = *v;
        }
        std::optional<Val> mean, var, scale, bias;
        if (a.get("mean")) {
          if (!(mean = g.floatTensorArg(a, "mean")) ||
              !(var = g.floatTensorArg(a, "variance")) ||
              !(scale = g.floatTensorArg(a, "scale")) ||
              !(bias = g.floatTensorArg(a, "bias")))
            return std::nullopt;
        } else {
          if (x->shape.rank() < 2 || !x->shape.dims[1].isStatic())
            return g.fail(a.loc, "batch_norm: expects [batch, channels, ...] "
                                 "with static channels, got " +
                                     x->shape.str());
          auto layer = g.layerName(a, "batch_norm");
          if (!layer)
            return std::nullopt;
          std::string name = *layer;
          TensorShape c{x->shape.dtype, {x->shape.dims[1]}};
          if (!(scale = g.param(name + ".weight", c,
                                g.initVal(dl::Initializer::ones), a.loc)) ||
              !(bias = g.param(name + ".bias", c,
                               g.initVal(dl::Initializer::zeros), a.loc)) ||
              !(mean =
                    g.param(name + ".running_mean", c,
                            g.initVal(dl::Initializer::zeros), a.loc, true)) ||
              !(var = g.param(name + ".running_var", c,
                              g.initVal(dl::Initializer::ones), a.loc, true)))
            return std::nullopt;
        }
        for (auto [v, n] : {std::pair{&*scale, "scale"},
                            {&*bias, "bias"},
                            {&*mean, "mean"},
                            {&*var, "variance"}})
          if (failed(verifyChannelParam(x->shape, v->shape, n,
                                        g.shapeErr(a.loc, "batch_norm"))))
            return std::nullopt;
        return g.buildVerified<dl::BatchNormOp>(
            a.loc, x->shape, x->value, scale->value, bias->value, mean->value,
            var->value, g.builder.getF64FloatAttr(eps),
            g.builder.getF64FloatAttr(momentum));
      });
  r.add(
      "layer_norm", {"x", "scale", "bias", "axis", "epsilon", "name"}, {"x"},
      [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
        auto x = g.floatTensorArg(a, "x");
        if (!x)
          return std::nullopt;
        int64_t axis = -1;
        double eps = 1e-5;
        if (a.get("axis")) {
          auto v = g.asInt(a.get("axis"), "layer_norm: axis", a.loc);
          if (!v)
            return std::nullopt;
          axis = *v;
        }
        if (a.get("epsilon")) {
          auto v = g.asNumber(a.get("epsilon"), "layer_norm: epsilon", a.loc);
          if (!v)
            return std::nullopt;
          eps = *v;
        }
        auto n = normalizeAxis(axis, x->shape.rank(),
                               g.shapeErr(a.loc, "layer_norm"));
        if (failed(n))
          return std::nullopt;
        std::optional<Val> scale, bias;
        if (a.get("scale")) {
          if (!(scale = g.floatTensorArg(a, "scale")) ||
              !(bias = g.floatTensorArg(a, "bias")))
            return std::nullopt;
        } else {
          TensorShape p{x->shape.dtype,
                        {x->shape.dims.begin() + *n, x->shape.dims.end()}};
          auto layer = g.layerName(a, "layer_norm");
          if (!layer)
            return std::nullopt;
          std::string name = *layer;
          if (!(scale = g.param(name + ".weight", p,
                                g.initVal(dl::Initializer::ones), a.loc)) ||
              !(bias = g.param(name + ".bias", p,
                               g.initVal(dl::Initializer::zeros), a.loc)))
            return std::nullopt;
        }
        if (failed(verifyNormalizedShape(x->shape, scale->shape, axis, "scale",
                                         g.shapeErr(a.loc, "layer_norm"))) ||
            failed(verifyNormalizedShape(x->shape, bias->shape, axis, "bias",
                                         g.shapeErr(a.loc, "layer_norm"))))
          return std::nullopt;
        return g.buildVerified<dl::LayerNormOp>(
            a.loc, x->shape, x->value, scale->value, bias->value,
            g.builder.getI64IntegerAttr(axis), g.builder.getF64FloatAttr(eps));
      });
}
