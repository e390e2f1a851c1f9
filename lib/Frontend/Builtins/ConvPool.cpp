//===- ConvPool.cpp - Convolution and pooling built-ins of .dl ------------===//
//
// conv2d as the tensor-level op (given weight and bias) or Keras's layer
// (filters, kernel_size: declares them), max_pool2d and avg_pool2d, with
// padding as "valid", TensorFlow's "same", or explicit pads.
//
//===----------------------------------------------------------------------===//

#include "../MLIRGenImpl.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::frontend;
using llvm::SMLoc;
using llvm::StringRef;

/// The four pads [top, left, bottom, right] that `padding=` means: "valid"
/// (none), "same", one integer, [h, w] or four values.
static std::optional<std::vector<int64_t>>
padding(MLIRGenImpl &g, const Val *v, const TensorShape &in,
        ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
        ArrayRef<int64_t> dilation, SMLoc l, StringRef op) {
  if (!v || (v->kind == Val::Kind::String && v->s == "valid"))
    return std::vector<int64_t>{0, 0, 0, 0};
  if (v->kind == Val::Kind::String && v->s == "same") {
    // TensorFlow's "same": out = ceil(in / stride), the extra pad at the end.
    std::vector<int64_t> p(4);
    for (int i = 0; i < 2; ++i) {
      int64_t span = dilation[i] * (kernel[i] - 1) + 1;
      int64_t total;
      if (strides[i] == 1) {
        total = span - 1;
      } else {
        const Dim &d = in.dims[2 + i];
        if (!d.isStatic())
          return g.fail(l, op +
                               ": padding=\"same\" with strides > 1 needs "
                               "static spatial dims, got " +
                               in.str());
        int64_t out = (d.size + strides[i] - 1) / strides[i];
        total = std::max<int64_t>((out - 1) * strides[i] + span - d.size, 0);
      }
      p[i] = total / 2;
      p[i + 2] = total - total / 2;
    }
    return p;
  }
  if (v->kind == Val::Kind::String)
    return g.fail(v->loc, op +
                              ": padding must be \"valid\", \"same\", an "
                              "integer or a list, got \"" +
                              v->s + "\"" +
                              g.didYouMean(v->s, {"valid", "same"}));
  if (v->kind == Val::Kind::Int)
    return std::vector<int64_t>(4, v->i);
  auto ints = g.asInts(v, (op + ": padding").str(), l);
  if (!ints)
    return std::nullopt;
  if (ints->size() == 2)
    return std::vector<int64_t>{(*ints)[0], (*ints)[1], (*ints)[0], (*ints)[1]};
  if (ints->size() == 4)
    return *ints;
  return g.fail(v->loc, op + ": padding must have 2 values [h, w] or 4 "
                             "[top, left, bottom, right]");
}

/// conv2d(x, weight, bias, strides=, padding=, dilation=, groups=): the
/// tensor-level op, with the bias broadcast over NCHW.
static std::optional<Val> conv(MLIRGenImpl &g, Args &a, const Val &x,
                               const Val &w, const Val *b) {
  auto strides = a.get("strides")
                     ? g.asInts(a.get("strides"), "conv2d: strides", a.loc, 2)
                     : std::vector<int64_t>{1, 1};
  auto dilation = a.get("dilation") ? g.asInts(a.get("dilation"),
                                               "conv2d: dilation", a.loc, 2)
                                    : std::vector<int64_t>{1, 1};
  auto groups = a.get("groups")
                    ? g.asInt(a.get("groups"), "conv2d: groups", a.loc)
                    : std::optional<int64_t>(1);
  if (!strides || !dilation || !groups)
    return std::nullopt;
  if (w.shape.rank() != 4 || !w.shape.dims[2].isStatic() ||
      !w.shape.dims[3].isStatic())
    return g.fail(a.loc, "conv2d: weight must be [out, in/groups, kh, kw] with "
                         "a static kernel, got " +
                             w.shape.str());
  if (x.shape.rank() != 4)
    return g.fail(a.loc, "conv2d: expects an NCHW input, got " + x.shape.str());
  int64_t kernel[2] = {w.shape.dims[2].size, w.shape.dims[3].size};
  auto pad = padding(g, a.get("padding"), x.shape, kernel, *strides, *dilation,
                     a.loc, "conv2d");
  if (!pad)
    return std::nullopt;
  auto shape = inferConv2DShape(x.shape, w.shape, *strides, *pad, *dilation,
                                *groups, g.shapeErr(a.loc, "conv2d"));
  if (failed(shape))
    return std::nullopt;
  Val y = g.build<dl::Conv2DOp>(a.loc, *shape, x.value, w.value,
                                g.builder.getDenseI64ArrayAttr(*strides),
                                g.builder.getDenseI64ArrayAttr(*pad),
                                g.builder.getDenseI64ArrayAttr(*dilation),
                                g.builder.getI64IntegerAttr(*groups));
  if (!b)
    return y;
  // The bias is per output channel: [C] -> [C, 1, 1] to broadcast over NCHW.
  if (b->shape.rank() != 1)
    return g.fail(a.loc,
                  "conv2d: bias must be [out_channels], got " + b->shape.str());
  auto b3 =
      inferReshapeShape(b->shape, {-1, 1, 1}, g.shapeErr(a.loc, "conv2d"));
  if (failed(b3))
    return std::nullopt;
  Val bias = g.build<dl::ReshapeOp>(a.loc, *b3, b->value,
                                    g.builder.getDenseI64ArrayAttr({-1, 1, 1}));
  return g.elementwise('+', y, bias, a.loc);
}

/// max_pool2d and avg_pool2d: strides default to the pool size.
static std::optional<Val> pool(MLIRGenImpl &g, Args &a, bool isMax) {
  StringRef op = isMax ? "max_pool2d" : "avg_pool2d";
  auto x = g.asTensor(*a.get("x"), (op + ": input").str(), a.loc);
  if (!x)
    return std::nullopt;
  auto kernel =
      a.get("pool_size")
          ? g.asInts(a.get("pool_size"), (op + ": pool_size").str(), a.loc, 2)
          : std::vector<int64_t>{2, 2};
  if (!kernel)
    return std::nullopt;
  auto strides = a.get("strides") ? g.asInts(a.get("strides"),
                                             (op + ": strides").str(), a.loc, 2)
                                  : kernel;
  if (!strides)
    return std::nullopt;
  if (x->shape.rank() != 4)
    return g.fail(a.loc, op + ": expects an NCHW input, got " + x->shape.str());
  int64_t ones[2] = {1, 1};
  auto pad = padding(g, a.get("padding"), x->shape, *kernel, *strides, ones,
                     a.loc, op);
  if (!pad)
    return std::nullopt;
  auto shape = inferPool2DShape(x->shape, *kernel, *strides, *pad,
                                g.shapeErr(a.loc, op));
  if (failed(shape))
    return std::nullopt;
  if (isMax)
    return g.build<dl::MaxPool2DOp>(a.loc, *shape, x->value,
                                    g.builder.getDenseI64ArrayAttr(*kernel),
                                    g.builder.getDenseI64ArrayAttr(*strides),
                                    g.builder.getDenseI64ArrayAttr(*pad));
  auto includePad = g.asBool(a, "count_include_pad", false);
  if (!includePad)
    return std::nullopt;
  return g.build<dl::AvgPool2DOp>(
      a.loc, *shape, x->value, g.builder.getDenseI64ArrayAttr(*kernel),
      g.builder.getDenseI64ArrayAttr(*strides),
      g.builder.getDenseI64ArrayAttr(*pad),
      *includePad ? g.builder.getUnitAttr() : UnitAttr());
}

void dlc::frontend::registerConvPoolBuiltins(BuiltinRegistry &r) {
  r.add(
      "conv2d",
      {"x", "filters", "kernel_size", "strides", "padding", "dilation",
       "groups", "activation", "use_bias", "kernel_initializer",
       "bias_initializer", "name", "weight", "bias"},
      {"x"}, [](MLIRGenImpl &g, Args &a) -> std::optional<Val> {
        auto x = g.floatTensorArg(a, "x");
        if (!x)
          return std::nullopt;
        // conv2d(x, weight, bias, ...) is the tensor-level op;
        // conv2d(x, filters, kernel_size, ...) the layer.
        const Val *second = a.get("filters");
        if ((second && second->isTensor()) || a.get("weight")) {
          const Val *w =
              second && second->isTensor() ? second : a.get("weight");
          const Val *b =
              a.get("kernel_size") ? a.get("kernel_size") : a.get("bias");
          if (!w->isTensor() || (b && !b->isTensor()))
            return g.fail(a.loc, "conv2d: weight and bias must be tensors");
          return conv(g, a, *x, *w, b);
        }
        auto filters = g.asInt(second, "conv2d: filters", a.loc);
        auto kernel =
            g.asInts(a.get("kernel_size"), "conv2d: kernel_size", a.loc, 2);
        auto groups = a.get("groups")
                          ? g.asInt(a.get("groups"), "conv2d: groups", a.loc)
                          : std::optional<int64_t>(1);
        if (!filters || !kernel || !groups)
          return std::nullopt;
        if (x->shape.rank() != 4 || !x->shape.dims[1].isStatic())
          return g.fail(a.loc, "conv2d: expects an NCHW input with static "
                               "channels, got " +
                                   x->shape.str());
        if (*filters <= 0 || *groups <= 0 || x->shape.dims[1].size % *groups)
          return g.fail(a.loc,
                        "conv2d: filters and groups must be positive and "
                        "groups must divide the input channels");
        auto kinit = g.initializerArg(a, "kernel_initializer",
                                      dl::Initializer::glorot_uniform);
        auto binit =
            g.initializerArg(a, "bias_initializer", dl::Initializer::zeros);
        if (!kinit || !binit)
          return std::nullopt;
        auto layer = g.layerName(a, "conv2d");
        if (!layer)
          return std::nullopt;
        std::string name = *layer;
        for (int64_t k : *kernel)
          if (k <= 0)
            return g.fail(a.loc, "conv2d: kernel_size must be positive");
        auto w = g.param(
            name + ".weight",
            {x->shape.dtype,
             {Dim::fixed(*filters), Dim::fixed(x->shape.dims[1].size / *groups),
              Dim::fixed((*kernel)[0]), Dim::fixed((*kernel)[1])}},
            *kinit, a.loc);
        if (!w)
          return std::nullopt;
        std::optional<Val> b;
        auto useBias = g.asBool(a, "use_bias", true);
        if (!useBias)
          return std::nullopt;
        if (*useBias && !(b = g.param(name + ".bias",
                                      {x->shape.dtype, {Dim::fixed(*filters)}},
                                      *binit, a.loc)))
          return std::nullopt;
        auto y = conv(g, a, *x, *w, b ? &*b : nullptr);
        if (!y || !a.get("activation"))
          return y;
        return g.applyActivation(*a.get("activation"), *y, a.loc);
      });
  r.add("max_pool2d", {"x", "pool_size", "strides", "padding"}, {"x"},
        [](MLIRGenImpl &g, Args &a) { return pool(g, a, true); });
  r.add("avg_pool2d",
        {"x", "pool_size", "strides", "padding", "count_include_pad"}, {"x"},
        [](MLIRGenImpl &g, Args &a) { return pool(g, a, false); });
}
