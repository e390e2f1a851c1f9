//===- Initializers.cpp - Parameter initializers of .dl -------------------===//
//
// One built-in per dl::Initializer (zeros, normal(mean, stddev), uniform(
// minval, maxval), glorot_uniform, ...): a compile-time value that `param`
// statements and layers' *_initializer arguments turn into a dl.parameter's
// initializer attributes.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;

void dlc::frontend::registerInitializerBuiltins(BuiltinRegistry &r) {
  for (int i = 0; i <= (int)dl::getMaxEnumValForInitializer(); ++i) {
    auto kind = (dl::Initializer)i;
    std::vector<std::string> params;
    std::vector<std::string> required;
    if (kind == dl::Initializer::constant)
      params = required = {"value"};
    else if (kind == dl::Initializer::normal ||
             kind == dl::Initializer::truncated_normal)
      params = {"mean", "stddev"};
    else if (kind == dl::Initializer::uniform)
      params = {"minval", "maxval"};
    r.add(dl::stringifyInitializer(kind), params, required,
          [kind](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
            Val v = g.initVal(kind);
            v.loc = a.loc;
            for (auto &[key, slot] : std::initializer_list<
                     std::pair<const char *, std::optional<double> *>>{
                     {"value", &v.initValue},
                     {"mean", &v.mean},
                     {"stddev", &v.stddev},
                     {"minval", &v.minval},
                     {"maxval", &v.maxval}}) {
              if (!a.get(key))
                continue;
              auto n =
                  g.asNumber(a.get(key), (a.callee + ": " + key).str(), a.loc);
              if (!n)
                return std::nullopt;
              *slot = *n;
            }
            if (v.stddev && !(*v.stddev > 0))
              return g.fail(a.loc, a.callee + ": stddev must be positive");
            if ((v.minval || v.maxval) &&
                !(v.minval.value_or(-0.05) < v.maxval.value_or(0.05)))
              return g.fail(a.loc, a.callee + ": minval must be below maxval");
            return v;
          });
  }
}
