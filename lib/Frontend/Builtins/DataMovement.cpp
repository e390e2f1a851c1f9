//===- DataMovement.cpp - Shape and data-movement built-ins of .dl --------===//
//
// reshape (named dims kept where the input has them, and checked where it
// cannot be shown), flatten, transpose, broadcast_to, concat, slice, gather,
// and the embedding lookup with its table as a layer parameter.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

#include <limits>

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;
using llvm::Twine;

/// reshape, flatten, transpose, broadcast_to: views of one tensor.
static void registerShapeBuiltins(BuiltinRegistry &r) {
  r.add(
      "reshape", {"x", "shape"}, {"x", "shape"},
      [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
        auto x = g.tensorArg(a, "x");
        if (!x)
          return std::nullopt;
        const Val *sv = a.get("shape");
        if (sv->kind != Val::Kind::List)
          return g.fail(sv->loc, "reshape: shape must be a list such as "
                                 "[batch, 784], got " +
                                     kindName(sv->kind));
        // Named dims become 0 (copy) where the input has that dim at the
        // same index, else -1 (inferred, then checked).
        std::vector<int64_t> shape;
        std::vector<std::pair<size_t, Dim>> expectNamed;
        for (auto [i, e] : llvm::enumerate(sv->list)) {
          if (e.kind == Val::Kind::Int) {
            if (e.i == 0)
              return g.fail(e.loc, "reshape: a dimension of 0 is not allowed");
            shape.push_back(e.i);
          } else if (e.kind == Val::Kind::Dim) {
            if (i < x->shape.dims.size() && x->shape.dims[i] == e.dim)
              shape.push_back(0);
            else {
              shape.push_back(-1);
              expectNamed.push_back({i, e.dim});
            }
          } else {
            return g.fail(e.loc, "reshape: dims must be integers or dim names, "
                                 "got " +
                                     kindName(e.kind));
          }
        }
        auto s =
            inferReshapeShape(x->shape, shape, g.shapeErr(a.loc, "reshape"));
        if (failed(s))
          return std::nullopt;
        for (auto &[i, d] : expectNamed)
          if (s->dims[i] != d)
            return g.fail(a.loc, "reshape: cannot show that dim " + Twine(i) +
                                     " of " + s->str() + " is '" + d.str() +
                                     "' when reshaping " + x->shape.str());
        return g.build<dl::ReshapeOp>(a.loc, *s, x->value,
                                      g.builder.getDenseI64ArrayAttr(shape));
      });
  r.add("flatten", {"x"}, {"x"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x");
          if (!x)
            return std::nullopt;
          if (x->shape.rank() < 2)
            return g.fail(a.loc, "flatten: expects [batch, ...], got " +
                                     x->shape.str());
          SmallVector<int64_t> shape = {0, -1};
          auto s =
              inferReshapeShape(x->shape, shape, g.shapeErr(a.loc, "flatten"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::ReshapeOp>(a.loc, *s, x->value,
                                        g.builder.getDenseI64ArrayAttr(shape));
        });
  r.add("transpose", {"x", "perm"}, {"x"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x");
          if (!x)
            return std::nullopt;
          std::vector<int64_t> perm;
          if (a.get("perm")) {
            auto p = g.asInts(a.get("perm"), "transpose: perm", a.loc);
            if (!p)
              return std::nullopt;
            perm = *p;
          } else {
            for (int64_t i = x->shape.rank() - 1; i >= 0; --i)
              perm.push_back(i);
          }
          auto s = inferTransposeShape(x->shape, perm,
                                       g.shapeErr(a.loc, "transpose"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::TransposeOp>(a.loc, *s, x->value,
                                          g.builder.getDenseI64ArrayAttr(perm));
        });
  r.add("broadcast_to", {"x", "shape"}, {"x", "shape"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x");
          auto shape = g.asInts(a.get("shape"), "broadcast_to: shape", a.loc);
          if (!x || !shape)
            return std::nullopt;
          auto s = inferBroadcastToShape(x->shape, *shape,
                                         g.shapeErr(a.loc, "broadcast_to"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::BroadcastToOp>(
              a.loc, *s, x->value, g.builder.getDenseI64ArrayAttr(*shape));
        });
}

/// concat, slice, gather, embedding: tensors from parts or indices.
static void registerIndexingBuiltins(BuiltinRegistry &r) {
  r.add("concat", {"tensors", "axis"}, {"tensors"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          const Val *list = a.get("tensors");
          if (list->kind != Val::Kind::List || list->list.empty())
            return g.fail(list->loc,
                          "concat: expects a non-empty list of tensors");
          std::vector<TensorShape> shapes;
          SmallVector<Value> values;
          for (const Val &v : list->list) {
            if (!v.isTensor())
              return g.fail(v.loc,
                            "concat: expects tensors, got " + kindName(v.kind));
            shapes.push_back(v.shape);
            values.push_back(v.value);
          }
          int64_t axis = 0;
          if (a.get("axis")) {
            auto v = g.asInt(a.get("axis"), "concat: axis", a.loc);
            if (!v)
              return std::nullopt;
            axis = *v;
          }
          auto s = inferConcatShape(shapes, axis, g.shapeErr(a.loc, "concat"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::ConcatOp>(a.loc, *s, values, axis);
        });
  r.add("slice", {"x", "axis", "start", "end", "step"}, {"x", "axis"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x");
          auto axis = g.asInt(a.get("axis"), "slice: axis", a.loc);
          if (!x || !axis)
            return std::nullopt;
          auto get = [&](StringRef k, int64_t dflt) -> std::optional<int64_t> {
            return a.get(k) ? g.asInt(a.get(k), ("slice: " + k).str(), a.loc)
                            : std::optional<int64_t>(dflt);
          };
          auto start = get("start", 0);
          auto end = get("end", std::numeric_limits<int64_t>::max());
          auto step = get("step", 1);
          if (!start || !end || !step)
            return std::nullopt;
          auto s = inferSliceShape(x->shape, {*axis}, {*start}, {*end}, {*step},
                                   g.shapeErr(a.loc, "slice"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::SliceOp>(a.loc, *s, x->value,
                                      g.builder.getDenseI64ArrayAttr({*axis}),
                                      g.builder.getDenseI64ArrayAttr({*start}),
                                      g.builder.getDenseI64ArrayAttr({*end}),
                                      g.builder.getDenseI64ArrayAttr({*step}));
        });
  r.add("gather", {"x", "indices", "axis"}, {"x", "indices"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x"), idx = g.tensorArg(a, "indices");
          if (!x || !idx)
            return std::nullopt;
          int64_t axis = 0;
          if (a.get("axis")) {
            auto v = g.asInt(a.get("axis"), "gather: axis", a.loc);
            if (!v)
              return std::nullopt;
            axis = *v;
          }
          auto s = inferGatherShape(x->shape, idx->shape, axis,
                                    g.shapeErr(a.loc, "gather"));
          if (failed(s))
            return std::nullopt;
          return g.build<dl::GatherOp>(a.loc, *s, x->value, idx->value, axis);
        });

  r.add(
      "embedding",
      {"indices", "input_dim", "output_dim", "embeddings_initializer", "name"},
      {"indices", "input_dim"},
      [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
        auto idx = g.tensorArg(a, "indices");
        if (!idx)
          return std::nullopt;
        std::optional<Val> table;
        if (a.get("input_dim")->isTensor()) {
          table = *a.get("input_dim");
        } else {
          auto vocab =
              g.asInt(a.get("input_dim"), "embedding: input_dim", a.loc);
          auto dim =
              g.asInt(a.get("output_dim"), "embedding: output_dim", a.loc);
          auto init = g.initializerArg(a, "embeddings_initializer",
                                       dl::Initializer::uniform);
          if (!vocab || !dim || !init)
            return std::nullopt;
          if (*vocab <= 0 || *dim <= 0)
            return g.fail(
                a.loc, "embedding: input_dim and output_dim must be positive");
          auto layer = g.layerName(a, "embedding");
          if (!layer)
            return std::nullopt;
          std::string name = *layer;
          table = g.param(name + ".weight",
                          {DType::F32, {Dim::fixed(*vocab), Dim::fixed(*dim)}},
                          *init, a.loc);
          if (!table)
            return std::nullopt;
        }
        auto s = inferEmbeddingShape(table->shape, idx->shape,
                                     g.shapeErr(a.loc, "embedding"));
        if (failed(s))
          return std::nullopt;
        return g.build<dl::EmbeddingOp>(a.loc, *s, table->value, idx->value);
      });
}

void dlc::frontend::registerDataMovementBuiltins(BuiltinRegistry &r) {
  registerShapeBuiltins(r);
  registerIndexingBuiltins(r);
}
