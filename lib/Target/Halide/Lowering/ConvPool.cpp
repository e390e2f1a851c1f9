//===- ConvPool.cpp - convolution and pooling, with gradients ---------------===//
//
// conv2d (NCHW, OIHW filters, groups), its input and filter gradients,
// max / average pooling and their gradients. The accumulators are Funcs of
// their own (ConvStages, ConvGradFilterStages) for the schedules in
// Schedules/CPU/Conv.cpp; AnchorLayout decides whether the filter (or the
// cotangent) is read through a copy with the channels innermost.
//
//===----------------------------------------------------------------------===//

#include "../Lowering.h"
#include "dlc/Dialect/DL/IR/DLOps.h"

#include <cmath>

namespace dlc {
namespace halide {
using namespace dlc::dl;
using mlir::dyn_cast;
using mlir::isa;

namespace {

/// conv2d over the zero-padded input.
Tensor lowerConv2D(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto conv = mlir::cast<Conv2DOp>(op);
  Tensor x = ctx.get(conv.getInput()), w = ctx.get(conv.getFilter());
  auto s = conv.getStrides(), p = conv.getPadding(), d = conv.getDilation();
  int groups = (int)conv.getGroups();
  auto wType = tensorType(conv.getFilter());
  int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1),
      KH = (int)wType.getDimSize(2), KW = (int)wType.getDimSize(3);
  int Og = O / groups;
  // Zero padding: reads outside the input's H x W are 0.
  H::Func xin = zeroPadded("conv_in", x, x.extents[3], x.extents[2], type);
  H::RDom rk(0, Cg, 0, KH, 0, KW, "rk");
  H::Func acc("conv_acc");
  H::Var ox("ox"), oy("oy"), oc("oc"), on("on");
  if (outType.isDynamicDim(2) || outType.isDynamicDim(3))
    throw Unsupported("conv2d with a dynamic spatial size");
  acc(ox, oy, oc, on) = H::Internal::make_zero(type);
  H::Expr cin = (oc / Og) * Cg + rk.x;
  H::Expr tap = xin(ox * (int)s[1] + rk.z * (int)d[1] - (int)p[1],
                    oy * (int)s[0] + rk.y * (int)d[0] - (int)p[0], cin, on);
  ConvStages stages;
  if (ctx.layout.channelsInnermostFilter && groups != 1)
    stages.layoutUnsupported = "groups = 1";
  if (ctx.layout.channelsInnermostFilter && groups == 1) {
    // Output channels become vector lanes: the filter is transposed once
    // so that they are contiguous.
    H::Func filt("conv_filter_t");
    H::Var fo("fo"), fi("fi"), fy("fy"), fx("fx");
    filt(fo, fi, fy, fx) = w({fo, fi, fy, fx});
    acc(ox, oy, oc, on) += filt(oc, rk.x, rk.y, rk.z) * tap;
    stages.filter = filt;
    stages.channels = O;
  } else {
    acc(ox, oy, oc, on) += w({oc, rk.x, rk.y, rk.z}) * tap;
  }
  stages.acc = acc;
  stages.rk = rk;
  stages.input = xin;
  ctx.stages.conv = stages;
  std::vector<H::Expr> ext = {x.extents[0], O,
                              resultExtent(outType, 2, H::Expr()),
                              resultExtent(outType, 3, H::Expr())};
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    return acc(idx[3], idx[2], idx[1], idx[0]);
  });
}

/// max_pool2d (NaN wins, -inf padding) and avg_pool2d.
Tensor lowerPool(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  Tensor x = ctx.get(op->getOperand(0));
  auto k = op->getAttrOfType<mlir::DenseI64ArrayAttr>("kernel").asArrayRef();
  auto s = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
  auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
  if (outType.isDynamicDim(2) || outType.isDynamicDim(3))
    throw Unsupported("pooling with a dynamic spatial size");
  H::RDom rk(0, (int)k[0], 0, (int)k[1], "rk");
  bool isMax = isa<MaxPool2DOp>(op);
  bool includePad = op->hasAttr("count_include_pad");
  std::vector<H::Expr> ext = {x.extents[0], x.extents[1],
                              (int)outType.getDimSize(2), (int)outType.getDimSize(3)};
  // The window's element at (dy, dx), and whether it is inside the input.
  auto at = [&](const std::vector<H::Expr> &idx, H::Expr dy, H::Expr dx) {
    H::Expr iy = idx[2] * (int)s[0] + dy - (int)p[0];
    H::Expr ix = idx[3] * (int)s[1] + dx - (int)p[1];
    H::Expr inside = iy >= 0 && iy < x.extents[2] && ix >= 0 && ix < x.extents[3];
    H::Expr v = x({idx[0], idx[1], H::clamp(iy, 0, x.extents[2] - 1),
                   H::clamp(ix, 0, x.extents[3] - 1)});
    return std::pair{v, inside};
  };
  // Small windows (2x2, 3x3) unrolled: one max and one NaN test per
  // element, vectorized across the output, instead of two reductions.
  if (isMax && k[0] * k[1] <= 16)
    return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr m, nan;
      for (int dy = 0; dy < (int)k[0]; ++dy)
        for (int dx = 0; dx < (int)k[1]; ++dx) {
          auto [v, inside] = at(idx, dy, dx);
          // PyTorch pads max pooling with -inf; NaN wins.
          H::Expr e = H::select(inside, v, type.min());
          m = m.defined() ? H::max(m, e) : e;
          if (type.is_float()) {
            H::Expr n = inside && H::is_nan(v);
            nan = nan.defined() ? (nan || n) : n;
          }
        }
      if (!type.is_float())
        return m;
      return H::strict_float(H::select(nan, H::Internal::make_const(type, NAN), m));
    });
  return ctx.define(name, ext, type, [&](const std::vector<H::Expr> &idx) {
    auto [v, inside] = at(idx, rk.x, rk.y);
    if (isMax) { // PyTorch pads max pooling with -inf; NaN wins
      H::Expr m = H::maximum(H::select(inside, v, type.min()));
      if (!type.is_float())
        return m;
      return H::strict_float(H::select(anyNaNOver(H::select(inside, v, H::Internal::make_zero(type))),
                                       H::Internal::make_const(type, NAN), m));
    }
    H::Expr total = H::sum(H::select(inside, v, H::Internal::make_zero(type)));
    if (includePad) {
      // Count the window's positions inside the padded input.
      H::Expr y0 = idx[2] * (int)s[0] - (int)p[0], x0 = idx[3] * (int)s[1] - (int)p[1];
      H::Expr y1 = H::min(y0 + (int)k[0], x.extents[2] + (int)p[2]);
      H::Expr x1 = H::min(x0 + (int)k[1], x.extents[3] + (int)p[3]);
      return total / H::cast(type, (y1 - y0) * (x1 - x0));
    }
    H::Expr cnt = H::sum(H::select(inside, 1, 0));
    return total / H::cast(type, H::max(cnt, 1));
  });
}

/// conv2d_grad_input and conv2d_grad_filter.
Tensor lowerConvGrad(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  auto s = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
  auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
  auto d = op->getAttrOfType<mlir::DenseI64ArrayAttr>("dilation").asArrayRef();
  int groups = (int)op->getAttrOfType<mlir::IntegerAttr>("groups").getInt();
  Tensor g = ctx.get(op->getOperand(0));
  auto gType = tensorType(op->getOperand(0));
  if (gType.isDynamicDim(2) || gType.isDynamicDim(3))
    throw Unsupported("conv2d gradients with a dynamic spatial size");
  int OH = (int)gType.getDimSize(2), OW = (int)gType.getDimSize(3);
  if (auto gi = dyn_cast<Conv2DGradInputOp>(op)) {
    Tensor w = ctx.get(gi.getFilter()), x = ctx.get(gi.getInput());
    auto wType = tensorType(gi.getFilter());
    int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1),
        KH = (int)wType.getDimSize(2), KW = (int)wType.getDimSize(3), Og = O / groups;
    if (s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1) {
      // Unit stride and dilation: a convolution of the zero-padded
      // cotangent with the flipped filter, scheduled like conv2d.
      H::Func gpad = zeroPadded("grad_padded", g, OW, OH, type);
      H::RDom rk(0, Og, 0, KH, 0, KW, "rk");
      H::Func acc("conv_grad_input_acc");
      H::Var ix("ix"), iy("iy"), ic("ic"), in("in");
      acc(ix, iy, ic, in) = H::Internal::make_zero(type);
      H::Expr o = (ic / Cg) * Og + rk.x;
      H::Expr tap = gpad(ix + (int)p[1] - rk.z, iy + (int)p[0] - rk.y, o, in);
      auto xType = tensorType(gi.getInput());
      ConvStages stages;
      bool channelsInnermost = groups == 1 && !xType.isDynamicDim(2) && !xType.isDynamicDim(3);
      if (ctx.layout.channelsInnermostFilter && !channelsInnermost)
        stages.layoutUnsupported = "groups = 1 and a static height and width";
      if (ctx.layout.channelsInnermostFilter && channelsInnermost) {
        // Input channels become vector lanes (see conv2d).
        H::Func filt("conv_filter_t");
        H::Var fi("fi"), fo("fo"), fy("fy"), fx("fx");
        filt(fi, fo, fy, fx) = w({fo, fi, fy, fx});
        acc(ix, iy, ic, in) += tap * filt(ic, rk.x, rk.y, rk.z);
        stages.filter = filt;
        stages.channels = Cg;
      } else {
        acc(ix, iy, ic, in) += tap * w({o, ic % Cg, rk.y, rk.z});
      }
      stages.acc = acc;
      stages.input = gpad;
      stages.rk = rk;
      ctx.stages.conv = stages;
      return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
        return acc(idx[3], idx[2], idx[1], idx[0]);
      });
    }
    H::RDom rk(0, Og, 0, KH, 0, KW, "rk");
    Tensor dx = ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr n = idx[0], c = idx[1], y = idx[2], xx = idx[3];
      H::Expr o = (c / Cg) * Og + rk.x;
      H::Expr ty = y + (int)p[0] - rk.y * (int)d[0], tx = xx + (int)p[1] - rk.z * (int)d[1];
      H::Expr oy = ty / (int)s[0], ox = tx / (int)s[1];
      H::Expr valid = ty >= 0 && tx >= 0 && ty % (int)s[0] == 0 && tx % (int)s[1] == 0 &&
                      oy < OH && ox < OW;
      H::Expr gv = g({n, o, H::clamp(oy, 0, OH - 1), H::clamp(ox, 0, OW - 1)});
      return H::sum(H::select(valid, gv * w({o, c % Cg, rk.y, rk.z}),
                              H::Internal::make_zero(type)));
    });
    return dx;
  }
  auto gf = mlir::cast<Conv2DGradFilterOp>(op);
  Tensor x = ctx.get(gf.getInput()), w = ctx.get(gf.getFilter());
  auto wType = tensorType(gf.getFilter());
  int O = (int)wType.getDimSize(0), Cg = (int)wType.getDimSize(1), Og = O / groups;
  // The zero-padded input, materialized once.
  H::Func xin = zeroPadded("grad_filter_in", x, x.extents[3], x.extents[2], type);
  H::Func acc("conv_grad_filter_acc");
  H::Var kx("kx"), ky("ky"), ci("ci"), o("o");
  acc(kx, ky, ci, o) = H::Internal::make_zero(type);
  int KW = (int)wType.getDimSize(3);
  ConvGradFilterStages stages;
  if (ctx.layout.perBatchFilterGradient && groups != 1)
    stages.layoutUnsupported = "groups = 1";
  if (ctx.layout.perBatchFilterGradient && groups == 1) {
    // Output channels become vector lanes: the cotangent is transposed
    // once so that they are contiguous. Each batch element's sum over
    // output positions is a register tile (part), added into acc.
    H::Func gt("grad_filter_g_t"), part("conv_grad_filter_part");
    H::Var go("go"), gx("gx"), gy("gy"), gn("gn"), n("n");
    gt(go, gx, gy, gn) = g({gn, go, gy, gx});
    H::RDom rxy(0, OW, 0, OH, "rxy");
    part(kx, ky, ci, o, n) = H::Internal::make_zero(type);
    part(kx, ky, ci, o, n) += xin(rxy.x * (int)s[1] + kx * (int)d[1] - (int)p[1],
                                  rxy.y * (int)s[0] + ky * (int)d[0] - (int)p[0], ci, n) *
                              gt(o, rxy.x, rxy.y, n);
    H::RDom rn(0, g.extents[0], "rn");
    acc(kx, ky, ci, o) += part(kx, ky, ci, o, rn);
    stages.acc = acc;
    stages.input = xin;
    stages.part = part;
    stages.cotangent = gt;
    stages.rn = rn;
    stages.rp = rxy;
    stages.kw = KW;
    stages.channels = O;
    ctx.stages.convGradFilter = stages;
    return ctx.define(name, w.extents, type, [&](const std::vector<H::Expr> &idx) {
      return acc(idx[3], idx[2], idx[1], idx[0]);
    });
  }
  H::RDom rp(0, OW, 0, OH, 0, g.extents[0], "rp");
  acc(kx, ky, ci, o) += xin(rp.x * (int)s[1] + kx * (int)d[1] - (int)p[1],
                            rp.y * (int)s[0] + ky * (int)d[0] - (int)p[0],
                            (o / Og) * Cg + ci, rp.z) *
                        g({rp.z, o, rp.y, rp.x});
  stages.acc = acc;
  stages.input = xin;
  stages.rp = rp;
  ctx.stages.convGradFilter = stages;
  return ctx.define(name, w.extents, type, [&](const std::vector<H::Expr> &idx) {
    return acc(idx[3], idx[2], idx[1], idx[0]);
  });
}

/// max_pool2d_grad (the first maximum of each window) and avg_pool2d_grad.
Tensor lowerPoolGrad(LoweringContext &ctx, mlir::Operation *op, unsigned resultIndex) {
  mlir::RankedTensorType outType = resultType(op, resultIndex);
  H::Type type = halideType(outType.getElementType());
  std::string name = funcName(op);
  Tensor g = ctx.get(op->getOperand(0)), x = ctx.get(op->getOperand(1));
  auto k = op->getAttrOfType<mlir::DenseI64ArrayAttr>("kernel").asArrayRef();
  auto st = op->getAttrOfType<mlir::DenseI64ArrayAttr>("strides").asArrayRef();
  auto p = op->getAttrOfType<mlir::DenseI64ArrayAttr>("padding").asArrayRef();
  auto gType = tensorType(op->getOperand(0));
  if (gType.isDynamicDim(2) || gType.isDynamicDim(3))
    throw Unsupported("pooling gradients with a dynamic spatial size");
  int OH = (int)gType.getDimSize(2), OW = (int)gType.getDimSize(3);
  int KH = (int)k[0], KW = (int)k[1];
  // Row-major scan of each window, as PyTorch picks a tie's first maximum.
  H::RDom win(0, KW, 0, KH, "win");
  H::Func best("pool_argmax");
  H::Var ox("ox"), oy("oy"), c("c"), n("n");
  bool isMax = isa<MaxPool2DGradOp>(op);
  if (isMax) {
    H::Expr iy = oy * (int)st[0] + win.y - (int)p[0], ix = ox * (int)st[1] + win.x - (int)p[1];
    H::Expr inside = iy >= 0 && iy < x.extents[2] && ix >= 0 && ix < x.extents[3];
    H::Expr v = x({n, c, H::clamp(iy, 0, x.extents[2] - 1), H::clamp(ix, 0, x.extents[3] - 1)});
    best(ox, oy, c, n) = H::argmax(H::select(inside, v, type.min()));
    ctx.stages.windowArgmax.push_back(best);
  }
  bool includePad = op->hasAttr("count_include_pad");
  auto count = [&](H::Expr cy, H::Expr cx) {
    H::Expr y0 = cy * (int)st[0] - (int)p[0], x0 = cx * (int)st[1] - (int)p[1];
    if (includePad)
      return (H::min(y0 + KH, x.extents[2] + (int)p[2]) - y0) *
             (H::min(x0 + KW, x.extents[3] + (int)p[3]) - x0);
    return (H::min(y0 + KH, x.extents[2]) - H::max(y0, 0)) *
           (H::min(x0 + KW, x.extents[3]) - H::max(x0, 0));
  };
  if (st[0] == KH && st[1] == KW) {
    // Windows that tile the input (2 x 2, stride 2): each input lies in
    // at most one window, so its gradient is a select, with no sum over
    // the windows that might hold it (and no division by a variable).
    return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
      H::Expr nn = idx[0], cc = idx[1];
      H::Expr ty = idx[2] + (int)p[0], tx = idx[3] + (int)p[1];
      H::Expr wy = ty / KH, wx = tx / KW;
      H::Expr valid = wy < OH && wx < OW;
      H::Expr cy = H::min(wy, OH - 1), cx = H::min(wx, OW - 1);
      H::Expr gv = g({nn, cc, cy, cx});
      H::Expr zero = H::Internal::make_zero(type);
      if (isMax) {
        H::Tuple am = best(cx, cy, cc, nn);
        H::Expr take = valid && H::Expr(am[0]) == tx - wx * KW && H::Expr(am[1]) == ty - wy * KH;
        return H::select(take, gv, zero);
      }
      return H::select(valid, gv / H::cast(type, H::max(count(cy, cx), 1)), zero);
    });
  }
  H::RDom rk(0, KW, 0, KH, "rk");
  return ctx.define(name, x.extents, type, [&](const std::vector<H::Expr> &idx) {
    H::Expr nn = idx[0], cc = idx[1], y = idx[2], xx = idx[3];
    H::Expr ty = y + (int)p[0] - rk.y, tx = xx + (int)p[1] - rk.x;
    H::Expr wy = ty / (int)st[0], wx = tx / (int)st[1];
    H::Expr valid = ty >= 0 && tx >= 0 && ty % (int)st[0] == 0 && tx % (int)st[1] == 0 &&
                    wy < OH && wx < OW;
    H::Expr cy = H::clamp(wy, 0, OH - 1), cx = H::clamp(wx, 0, OW - 1);
    H::Expr gv = g({nn, cc, cy, cx});
    H::Expr take;
    if (isMax) {
      H::Tuple am = best(cx, cy, cc, nn);
      take = valid && H::Expr(am[0]) == rk.x && H::Expr(am[1]) == rk.y;
      return H::sum(H::select(take, gv, H::Internal::make_zero(type)));
    }
    return H::sum(H::select(valid, gv / H::cast(type, H::max(count(cy, cx), 1)),
                            H::Internal::make_zero(type)));
  });
}

} // namespace

void populateConvPoolLowerings(LoweringRegistry &registry) {
  registry.add<Conv2DOp>(lowerConv2D);
  registry.add<MaxPool2DOp, AvgPool2DOp>(lowerPool);
  registry.add<Conv2DGradInputOp, Conv2DGradFilterOp>(lowerConvGrad);
  registry.add<MaxPool2DGradOp, AvgPool2DGradOp>(lowerPoolGrad);
}
} // namespace halide
} // namespace dlc
