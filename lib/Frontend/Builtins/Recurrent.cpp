//===- Recurrent.cpp - Recurrent built-ins of .dl -------------------------===//
//
// lstm over [batch, time, features], given its weights or as a layer that
// declares them with PyTorch's names (weight_ih, weight_hh, bias): the
// last hidden state, or every step's with return_sequences=true.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;

void dlc::frontend::registerRecurrentBuiltins(BuiltinRegistry &r) {
  r.add("lstm", {"x", "units", "w_hh", "bias", "return_sequences", "name"},
        {"x", "units"}, [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x");
          if (!x)
            return std::nullopt;
          std::optional<Val> wIh, wHh, bias;
          if (a.get("units")->isTensor()) {
            wIh = *a.get("units");
            if (!(wHh = g.floatTensorArg(a, "w_hh")) ||
                !(bias = g.floatTensorArg(a, "bias")))
              return std::nullopt;
          } else {
            auto units = g.asInt(a.get("units"), "lstm: units", a.loc);
            if (!units)
              return std::nullopt;
            if (*units <= 0)
              return g.fail(a.loc, "lstm: units must be positive");
            if (x->shape.rank() != 3 || !x->shape.dims[2].isStatic())
              return g.fail(a.loc, "lstm: expects [batch, time, features] with "
                                   "static features, got " +
                                       x->shape.str());
            auto layer = g.layerName(a, "lstm");
            if (!layer)
              return std::nullopt;
            std::string name = *layer;
            int64_t h = *units;
            if (!(wIh = g.param(
                      name + ".weight_ih",
                      {x->shape.dtype, {Dim::fixed(4 * h), x->shape.dims[2]}},
                      g.initVal(dl::Initializer::glorot_uniform), a.loc)) ||
                !(wHh = g.param(
                      name + ".weight_hh",
                      {x->shape.dtype, {Dim::fixed(4 * h), Dim::fixed(h)}},
                      g.initVal(dl::Initializer::glorot_uniform), a.loc)) ||
                !(bias = g.param(name + ".bias",
                                 {x->shape.dtype, {Dim::fixed(4 * h)}},
                                 g.initVal(dl::Initializer::zeros), a.loc)))
              return std::nullopt;
          }
          auto shapes = inferLSTMShape(x->shape, wIh->shape, wHh->shape,
                                       bias->shape, g.shapeErr(a.loc, "lstm"));
          if (failed(shapes))
            return std::nullopt;
          SmallVector<Type> types;
          for (const TensorShape &s : *shapes) {
            if (!g.checkLimits(s, a.loc, "the result"))
              return std::nullopt;
            types.push_back(s.toType(&g.ctx));
          }
          auto op =
              g.builder.create<dl::LSTMOp>(g.loc(a.loc), types, x->value,
                                           wIh->value, wHh->value, bias->value);
          auto sequences = g.asBool(a, "return_sequences", false);
          if (!sequences)
            return std::nullopt;
          if (*sequences)
            return g.tensorVal(op.getOutput(), (*shapes)[0], a.loc);
          return g.tensorVal(op.getH(), (*shapes)[1], a.loc);
        });
}
