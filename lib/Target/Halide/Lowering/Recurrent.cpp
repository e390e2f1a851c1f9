//===- Recurrent.cpp - The LSTM step kernels as Halide Funcs --------------===//
//
// dl.lstm and dl.lstm_grad run on the host, one time step at a time
// (lib/Conversion/DLToHost); each step calls one kernel built here: the
// forward cell, or the reverse step of backpropagation through time, which
// recomputes the gates. Their stages (LSTMStages) are scheduled by
// Schedules/CPU/Recurrent.cpp. Equations: PyTorch's nn.LSTM, gate order
// (i, f, g, o).
//
//===----------------------------------------------------------------------===//

#include "../Lowering.h"

namespace dlc {
namespace halide {

namespace {

struct LSTMCellInputs {
  Tensor x, h, c;
  std::vector<Tensor> weights; // w_ih, w_hh, bias
  H::Func gates;
  int I = 0, H = 0;
};

/// A [B, inner] argument with unit stride along inner and any row stride.
Tensor lstmState(std::vector<H::ImageParam> &args, const std::string &name, int inner) {
  H::ImageParam p(H::Float(32), 2, name);
  p.dim(0).set_min(0).set_extent(inner).set_stride(1);
  p.dim(1).set_min(0);
  args.push_back(p);
  return Tensor{H::Func(p), {p.dim(1).extent(), H::Expr(inner)}, H::Float(32)};
}

/// A dense argument of `like`'s static shape.
Tensor lstmWeight(std::vector<H::ImageParam> &args, Value like, const std::string &name) {
  auto t = tensorType(like);
  int r = t.getRank();
  H::ImageParam p(H::Float(32), r, name);
  std::vector<H::Expr> extents;
  for (int d = 0; d < r; ++d) {
    p.dim(r - 1 - d).set_min(0).set_extent((int)t.getDimSize(d));
    extents.push_back((int)t.getDimSize(d));
  }
  p.dim(0).set_stride(1);
  args.push_back(p);
  return Tensor{H::Func(p), extents, H::Float(32)};
}

/// The LSTM cell's arguments (x_t [B,I], h_prev [B,H], c_prev [B,H] with
/// any row stride, then w_ih, w_hh, bias) and its gates
/// x_t w_ih^T + h_prev w_hh^T + bias, PyTorch's order (i, f, g, o).
LSTMCellInputs lstmCellInputs(LoweringContext &ctx, std::vector<H::ImageParam> &args) {
  auto xType = tensorType(ctx.kernel.inputs[0]);
  auto whhType = tensorType(ctx.kernel.inputs[2]);
  if (xType.isDynamicDim(2) || whhType.isDynamicDim(0) || whhType.isDynamicDim(1))
    throw Unsupported("lstm with a dynamic feature or hidden size");
  LSTMCellInputs in;
  in.I = (int)xType.getDimSize(2);
  in.H = (int)whhType.getDimSize(1);
  in.x = lstmState(args, "x_t", in.I);
  in.h = lstmState(args, "h_prev", in.H);
  in.c = lstmState(args, "c_prev", in.H);
  for (int i = 1; i < 4; ++i)
    in.weights.push_back(lstmWeight(args, ctx.kernel.inputs[i], "w" + std::to_string(i)));
  H::RDom rk(0, in.I, "k"), rm(0, in.H, "m");
  H::Var g("g"), b("b");
  Tensor &wih = in.weights[0], &whh = in.weights[1], &bias = in.weights[2];
  in.gates = H::Func("lstm_gates");
  in.gates(g, b) = bias({g}) + H::sum(in.x({b, rk}) * wih({g, rk})) +
                   H::sum(in.h({b, rm}) * whh({g, rm}));
  return in;
}

} // namespace

void lowerLSTMCell(LoweringContext &ctx, std::vector<H::ImageParam> &args,
                   std::vector<H::Func> &outputs) {
  LSTMCellInputs in = lstmCellInputs(ctx, args);
  int Hd = in.H;
  H::Var b("b"), j("j");
  H::Func cNew("lstm_c"), hNew("lstm_h");
  cNew(j, b) = sigmoid(in.gates(j + Hd, b)) * in.c({b, j}) +
               sigmoid(in.gates(j, b)) * H::tanh(in.gates(j + 2 * Hd, b));
  hNew(j, b) = sigmoid(in.gates(j + 3 * Hd, b)) * H::tanh(cNew(j, b));
  LSTMStages stages;
  stages.gates = in.gates;
  ctx.stages.lstm = stages;
  outputs = {hNew, cNew};
}

void lowerLSTMGradCell(LoweringContext &ctx, std::vector<H::ImageParam> &args,
                       std::vector<H::Func> &outputs) {
  // One reverse step of backpropagation through time; the gates are
  // recomputed from x_t and h_prev. With tc = tanh(c_t):
  //   dh' = dh + d_out_t,  dc' = dc + dh' o (1 - tc^2),
  //   dz = (dc' g i(1-i), dc' c_prev f(1-f), dc' i (1-g^2), dh' tc o(1-o)),
  //   dx_t = dz w_ih,  dh_prev = dz w_hh,  dc_prev = dc' f,
  //   d_w_ih += dz^T x_t,  d_w_hh += dz^T h_prev,  d_bias += sum_b dz.
  LSTMCellInputs in = lstmCellInputs(ctx, args);
  int Hd = in.H;
  Tensor dOut = lstmState(args, "d_out_t", Hd), dh = lstmState(args, "dh", Hd), dc = lstmState(args, "dc", Hd);
  Tensor dwih = lstmWeight(args, ctx.kernel.inputs[1], "d_w_ih"),
         dwhh = lstmWeight(args, ctx.kernel.inputs[2], "d_w_hh"),
         dbias = lstmWeight(args, ctx.kernel.inputs[3], "d_bias");
  Tensor &wih = in.weights[0], &whh = in.weights[1];
  H::Var b("b"), j("j"), g("g"), k("k");
  auto gate = [&](int q, H::Expr jj, H::Expr bb) { return in.gates(jj + q * Hd, bb); };
  auto ig = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(0, jj, bb)); };
  auto fg = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(1, jj, bb)); };
  auto gg = [&](H::Expr jj, H::Expr bb) { return H::tanh(gate(2, jj, bb)); };
  auto og = [&](H::Expr jj, H::Expr bb) { return sigmoid(gate(3, jj, bb)); };
  // The state cotangents are read into Funcs computed before any output
  // is written: dh and dc are updated in place by the host.
  H::Func tc("lstm_tanh_c"), dhTot("lstm_dh"), dcTot("lstm_dc"), dz("lstm_dz");
  tc(j, b) = H::tanh(fg(j, b) * in.c({b, j}) + ig(j, b) * gg(j, b));
  dhTot(j, b) = dh({b, j}) + dOut({b, j});
  dcTot(j, b) = dc({b, j}) + dhTot(j, b) * og(j, b) * (1.0f - tc(j, b) * tc(j, b));
  H::Expr q = g / Hd, jj = g % Hd;
  H::Expr i = ig(jj, b), f = fg(jj, b), gv = gg(jj, b), o = og(jj, b);
  dz(g, b) = H::select(q == 0, dcTot(jj, b) * gv * i * (1.0f - i),
                       q == 1, dcTot(jj, b) * in.c({b, jj}) * f * (1.0f - f),
                       q == 2, dcTot(jj, b) * i * (1.0f - gv * gv),
                       dhTot(jj, b) * tc(jj, b) * o * (1.0f - o));
  H::RDom rg(0, 4 * Hd, "rg"), rb(0, in.x.extents[0], "rb");
  H::Func dx("lstm_dx"), dhPrev("lstm_dh_prev"), dcPrev("lstm_dc_prev");
  H::Func dwihNew("lstm_d_w_ih"), dwhhNew("lstm_d_w_hh"), dbNew("lstm_d_bias");
  dx(k, b) = H::sum(dz(rg, b) * wih({rg, k}));
  dhPrev(j, b) = H::sum(dz(rg, b) * whh({rg, j}));
  dcPrev(j, b) = dcTot(j, b) * fg(j, b);
  dwihNew(k, g) = dwih({g, k}) + H::sum(dz(g, rb) * in.x({rb, k}));
  dwhhNew(j, g) = dwhh({g, j}) + H::sum(dz(g, rb) * in.h({rb, j}));
  dbNew(g) = dbias({g}) + H::sum(dz(g, rb));
  LSTMStages stages{in.gates, tc, dhTot, dcTot, dz, {dx, dhPrev, dcPrev},
                     {dwihNew, dwhhNew, dbNew}};
  ctx.stages.lstm = stages;
  outputs = {dx, dhPrev, dcPrev, dwihNew, dwhhNew, dbNew};
}

} // namespace halide
} // namespace dlc
