//===- Elementwise.cpp - Elementwise built-ins of .dl ---------------------===//
//
// One dl op each: the unary math functions (floating point only), gelu,
// the broadcasting binary maximum/minimum/pow (both operands of one element
// type; numbers become constants of the tensor's type) and cast.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::StringRef;

void dlc::frontend::registerElementwiseBuiltins(BuiltinRegistry &r) {
  auto unary = [&](StringRef name, auto *tag) {
    using OpTy = std::remove_pointer_t<decltype(tag)>;
    r.add(name, {"x"}, {"x"},
          [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
            auto x = g.floatTensorArg(a, "x");
            if (!x)
              return std::nullopt;
            return g.build<OpTy>(a.loc, x->shape, x->value);
          });
  };
  unary("exp", (dl::ExpOp *)nullptr);
  unary("log", (dl::LogOp *)nullptr);
  unary("sqrt", (dl::SqrtOp *)nullptr);
  unary("rsqrt", (dl::RsqrtOp *)nullptr);
  unary("tanh", (dl::TanhOp *)nullptr);
  unary("sigmoid", (dl::SigmoidOp *)nullptr);
  unary("relu", (dl::ReluOp *)nullptr);
  unary("abs", (dl::AbsOp *)nullptr);
  r.add("gelu", {"x", "approximate"}, {"x"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.floatTensorArg(a, "x");
          if (!x)
            return std::nullopt;
          auto approx = dl::GeluApproximation::none;
          if (const Val *v = a.get("approximate")) {
            auto k = v->kind == Val::Kind::String
                         ? dl::symbolizeGeluApproximation(v->s)
                         : std::nullopt;
            if (!k)
              return g.fail(v->loc,
                            "gelu: approximate must be \"none\" or \"tanh\"");
            approx = *k;
          }
          return g.build<dl::GeluOp>(a.loc, x->shape, x->value, approx);
        });

  auto binary = [&](StringRef name, auto *tag) {
    using OpTy = std::remove_pointer_t<decltype(tag)>;
    r.add(
        name, {"x", "y"}, {"x", "y"},
        [name = name.str()](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          const Val *x = a.get("x"), *y = a.get("y");
          DType dt = x->isTensor()   ? x->shape.dtype
                     : y->isTensor() ? y->shape.dtype
                                     : DType::F32;
          auto l = g.asTensor(*x, name + ": x", a.loc, dt);
          auto r = g.asTensor(*y, name + ": y", a.loc, dt);
          if (!l || !r)
            return std::nullopt;
          if (l->shape.dtype != r->shape.dtype)
            return g.fail(a.loc, name + ": operands differ in element type: " +
                                     l->shape.str() + " and " + r->shape.str());
          auto s =
              inferBroadcastShape(l->shape, r->shape, g.shapeErr(a.loc, name));
          if (failed(s))
            return std::nullopt;
          return g.build<OpTy>(a.loc, *s, l->value, r->value);
        });
  };
  binary("maximum", (dl::MaximumOp *)nullptr);
  binary("minimum", (dl::MinimumOp *)nullptr);
  binary("pow", (dl::PowOp *)nullptr);
  r.add("cast", {"x", "dtype"}, {"x", "dtype"},
        [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
          auto x = g.tensorArg(a, "x");
          if (!x)
            return std::nullopt;
          const Val *d = a.get("dtype");
          DType dt = d->kind == Val::Kind::String ? parseDType(d->s)
                                                  : DType::Unknown;
          if (dt == DType::Unknown)
            return g.fail(d->loc,
                          "cast: dtype must be a string such as \"f32\"");
          TensorShape s = x->shape;
          s.dtype = dt;
          return g.build<dl::CastOp>(a.loc, s, x->value);
        });
}
