//===- Reduction.cpp - Reduction built-ins of .dl -------------------------===//
//
// sum, mean and max over an axis, a list of axes or (without one) every
// axis, keeping the reduced dims as 1 with keepdims=true.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;

void dlc::frontend::registerReductionBuiltins(BuiltinRegistry &r) {
  auto reduce = [&](StringRef name, auto *tag) {
    using OpTy = std::remove_pointer_t<decltype(tag)>;
    r.add(name, {"x", "axis", "keepdims"}, {"x"},
          [name = name.str()](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
            auto x = g.floatTensorArg(a, "x");
            if (!x)
              return std::nullopt;
            std::vector<int64_t> axes;
            if (const Val *ax = a.get("axis")) {
              auto v = ax->kind == Val::Kind::Int
                           ? std::optional<std::vector<int64_t>>(
                                 std::vector<int64_t>{ax->i})
                           : g.asInts(ax, name + ": axis", a.loc);
              if (!v)
                return std::nullopt;
              axes = *v;
              if (axes.empty())
                return g.fail(ax->loc, name +
                                           ": axis list is empty; omit it to "
                                           "reduce over all axes");
            }
            auto keepdims = g.asBool(a, "keepdims", false);
            if (!keepdims)
              return std::nullopt;
            bool keep = *keepdims;
            auto s =
                inferReduceShape(x->shape, axes, keep, g.shapeErr(a.loc, name));
            if (failed(s))
              return std::nullopt;
            return g.build<OpTy>(a.loc, *s, x->value,
                                 g.builder.getDenseI64ArrayAttr(axes),
                                 keep ? g.builder.getUnitAttr() : UnitAttr());
          });
  };
  reduce("sum", (dl::ReduceSumOp *)nullptr);
  reduce("mean", (dl::ReduceMeanOp *)nullptr);
  reduce("max", (dl::ReduceMaxOp *)nullptr);
}
