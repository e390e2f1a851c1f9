//===- Linalg.cpp - Matrix-product built-ins and the dense layer ----------===//
//
// matmul (dl.matmul for two rank-2 operands, dl.batch_matmul otherwise),
// PyTorch's linear over a [out, in] weight, and Keras's dense layer, which
// declares that weight and its bias and applies its activation.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::SMLoc;

std::optional<Val> dlc::frontend::buildLinear(MLIRGenImpl &g, const Val &x,
                                              const Val &w, const Val *b,
                                              SMLoc l) {
  if (w.shape.rank() != 2)
    return g.fail(l, "linear: weight must be [out, in], got " + w.shape.str());
  auto wt = inferTransposeShape(w.shape, {1, 0}, g.shapeErr(l, "linear"));
  if (failed(wt))
    return std::nullopt;
  Val wT = g.build<dl::TransposeOp>(l, *wt, w.value,
                                    g.builder.getDenseI64ArrayAttr({1, 0}));
  auto y = inferMatmulShape(x.shape, *wt, g.shapeErr(l, "linear"));
  if (failed(y))
    return std::nullopt;
  Val out = x.shape.rank() == 2
                ? g.build<dl::MatmulOp>(l, *y, x.value, wT.value)
                : g.build<dl::BatchMatmulOp>(l, *y, x.value, wT.value);
  if (!b)
    return out;
  return g.elementwise('+', out, *b, l);
}

void dlc::frontend::registerLinalgBuiltins(BuiltinRegistry &r) {
  r.add("matmul", {"x", "y"}, {"x", "y"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x"), y = g.floatTensorArg(a, "y");
          if (!x || !y)
            return std::nullopt;
          auto s =
              inferMatmulShape(x->shape, y->shape, g.shapeErr(a.loc, "matmul"));
          if (failed(s))
            return std::nullopt;
          if (x->shape.rank() == 2 && y->shape.rank() == 2)
            return g.build<dl::MatmulOp>(a.loc, *s, x->value, y->value);
          return g.build<dl::BatchMatmulOp>(a.loc, *s, x->value, y->value);
        });
  r.add("linear", {"x", "weight", "bias"}, {"x", "weight"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x"), w = g.floatTensorArg(a, "weight");
          if (!x || !w)
            return std::nullopt;
          std::optional<Val> b;
          if (a.get("bias") && !(b = g.floatTensorArg(a, "bias")))
            return std::nullopt;
          return buildLinear(g, *x, *w, b ? &*b : nullptr, a.loc);
        });
  r.add("dense",
        {"x", "units", "activation", "use_bias", "kernel_initializer",
         "bias_initializer", "name"},
        {"x", "units"}, [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x");
          auto units = g.asInt(a.get("units"), "dense: units", a.loc);
          if (!x || !units)
            return std::nullopt;
          if (*units <= 0)
            return g.fail(a.get("units")->loc, "dense: units must be positive");
          if (x->shape.rank() < 2 || !x->shape.dims.back().isStatic())
            return g.fail(a.loc,
                          "dense: expects [batch, ..., features] with static "
                          "features, got " +
                              x->shape.str() + " (flatten it first?)");
          auto kinit = g.initializerArg(a, "kernel_initializer",
                                        dl::Initializer::glorot_uniform);
          auto binit =
              g.initializerArg(a, "bias_initializer", dl::Initializer::zeros);
          if (!kinit || !binit)
            return std::nullopt;
          auto layer = g.layerName(a, "dense");
          if (!layer)
            return std::nullopt;
          std::string name = *layer;
          auto w = g.param(
              name + ".weight",
              {x->shape.dtype, {Dim::fixed(*units), x->shape.dims.back()}},
              *kinit, a.loc);
          if (!w)
            return std::nullopt;
          std::optional<Val> b;
          auto useBias = g.asBool(a, "use_bias", true);
          if (!useBias)
            return std::nullopt;
          if (*useBias && !(b = g.param(name + ".bias",
                                        {x->shape.dtype, {Dim::fixed(*units)}},
                                        *binit, a.loc)))
            return std::nullopt;
          auto y = buildLinear(g, *x, *w, b ? &*b : nullptr, a.loc);
          if (!y || !a.get("activation"))
            return y;
          return g.applyActivation(*a.get("activation"), *y, a.loc);
        });
}
