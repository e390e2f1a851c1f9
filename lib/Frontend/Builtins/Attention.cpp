//===- Attention.cpp - The multi-head attention layer of .dl --------------===//
//
// Keras's MultiHeadAttention expanded into tensor-level ops: query, key
// and value projections split into heads, scaled dot-product softmax, the
// heads merged and projected back to the query's features.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

#include <cmath>

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;

void dlc::frontend::registerAttentionBuiltins(BuiltinRegistry &r) {
  r.add("multi_head_attention",
        {"query", "value", "num_heads", "key_dim", "name"},
        {"query", "num_heads", "key_dim"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto q = g.floatTensorArg(a, "query");
          std::optional<Val> v =
              a.get("value") ? g.floatTensorArg(a, "value") : q;
          auto heads = g.asInt(a.get("num_heads"),
                               "multi_head_attention: num_heads", a.loc);
          auto dk =
              g.asInt(a.get("key_dim"), "multi_head_attention: key_dim", a.loc);
          if (!q || !v || !heads || !dk)
            return std::nullopt;
          for (const Val *t : {&*q, &*v})
            if (t->shape.rank() != 3 || !t->shape.dims[2].isStatic())
              return g.fail(a.loc,
                            "multi_head_attention: expects [batch, time, "
                            "features] with static features, got " +
                                t->shape.str());
          if (*heads <= 0 || *dk <= 0)
            return g.fail(
                a.loc,
                "multi_head_attention: num_heads and key_dim must be positive");
          auto layer = g.layerName(a, "multi_head_attention");
          if (!layer)
            return std::nullopt;
          std::string name = *layer;
          int64_t inner = *heads * *dk;
          DType dt = q->shape.dtype;
          auto proj = [&](StringRef which, const Val &x) -> std::optional<Val> {
            auto w = g.param(name + "." + which.str() + ".weight",
                             {dt, {Dim::fixed(inner), x.shape.dims[2]}},
                             g.initVal(dl::Initializer::glorot_uniform), a.loc);
            auto b = g.param(name + "." + which.str() + ".bias",
                             {dt, {Dim::fixed(inner)}},
                             g.initVal(dl::Initializer::zeros), a.loc);
            if (!w || !b)
              return std::nullopt;
            auto y = buildLinear(g, x, *w, &*b, a.loc);
            if (!y)
              return std::nullopt;
            // [B, T, H*dk] -> [B, T, H, dk] -> [B, H, T, dk]
            auto r = g.callByName(
                "reshape",
                {*y,
                 [&] {
                   Val l;
                   l.kind = Val::Kind::List;
                   for (Dim d : {y->shape.dims[0], y->shape.dims[1]}) {
                     Val e;
                     e.kind = d.isStatic() ? Val::Kind::Int : Val::Kind::Dim;
                     e.i = d.size;
                     e.dim = d;
                     l.list.push_back(e);
                   }
                   for (int64_t n : {*heads, *dk}) {
                     Val e;
                     e.kind = Val::Kind::Int;
                     e.i = n;
                     l.list.push_back(e);
                   }
                   return l;
                 }()},
                a.loc);
            if (!r)
              return std::nullopt;
            auto s = inferTransposeShape(r->shape, {0, 2, 1, 3},
                                         g.shapeErr(a.loc, name));
            if (failed(s))
              return std::nullopt;
            return g.build<dl::TransposeOp>(
                a.loc, *s, r->value,
                g.builder.getDenseI64ArrayAttr({0, 2, 1, 3}));
          };
          auto qh = proj("query", *q), kh = proj("key", *v),
               vh = proj("value", *v);
          if (!qh || !kh || !vh)
            return std::nullopt;
          auto ktShape = inferTransposeShape(kh->shape, {0, 1, 3, 2},
                                             g.shapeErr(a.loc, name));
          if (failed(ktShape))
            return std::nullopt;
          Val kt = g.build<dl::TransposeOp>(
              a.loc, *ktShape, kh->value,
              g.builder.getDenseI64ArrayAttr({0, 1, 3, 2}));
          auto scores = g.callByName("matmul", {*qh, kt}, a.loc);
          if (!scores)
            return std::nullopt;
          Val scale;
          scale.kind = Val::Kind::Float;
          scale.f = 1.0 / std::sqrt((double)*dk);
          auto scaled = g.elementwise('*', *scores, scale, a.loc);
          if (!scaled)
            return std::nullopt;
          auto att = g.callByName("softmax", {*scaled}, a.loc);
          if (!att)
            return std::nullopt;
          auto ctxv = g.callByName("matmul", {*att, *vh}, a.loc);
          if (!ctxv)
            return std::nullopt;
          auto back = inferTransposeShape(ctxv->shape, {0, 2, 1, 3},
                                          g.shapeErr(a.loc, name));
          if (failed(back))
            return std::nullopt;
          Val merged = g.build<dl::TransposeOp>(
              a.loc, *back, ctxv->value,
              g.builder.getDenseI64ArrayAttr({0, 2, 1, 3}));
          SmallVector<int64_t> flat = {0, 0, inner};
          auto flatShape =
              inferReshapeShape(merged.shape, flat, g.shapeErr(a.loc, name));
          if (failed(flatShape))
            return std::nullopt;
          Val flatVal =
              g.build<dl::ReshapeOp>(a.loc, *flatShape, merged.value,
                                     g.builder.getDenseI64ArrayAttr(flat));
          auto wo = g.param(name + ".output.weight",
                            {dt, {q->shape.dims[2], Dim::fixed(inner)}},
                            g.initVal(dl::Initializer::glorot_uniform), a.loc);
          auto bo = g.param(name + ".output.bias", {dt, {q->shape.dims[2]}},
                            g.initVal(dl::Initializer::zeros), a.loc);
          if (!wo || !bo)
            return std::nullopt;
          return buildLinear(g, flatVal, *wo, &*bo, a.loc);
        });
}
