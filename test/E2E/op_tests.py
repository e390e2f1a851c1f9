#!/usr/bin/python3
"""End-to-end check of every dl op's forward against PyTorch.

Writes one dl module with an entry point per case, compiles it with
`dlc compile`, links a generated C driver with `cc driver.c ops.o -lpthread
-ldl -lm`, runs each case at batch 1 and at a batch that is not a multiple
of any vector width, and compares every output with torch at
rtol = atol = 1e-5, unless the case documents a looser bound.

Static dims are drawn from --seed (printed first); rerun with the same seed
to reproduce a failure.

Usage: op_tests.py DLC WORK_DIR [--cc CC] [--cflags FLAGS] [--only NAME] [--seed N]
Each differentiable op is also checked backward: an entry point
g<i>(args, ct) = sum(op(args) * ct) is differentiated by dl-autodiff, and
the compiled g<i>_grad's gradients are compared with torch.autograd's at
rtol = atol = 1e-4 (GRAD_TOL).

Exit status 1 if any case fails; every mismatch is printed.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

BATCHES = (1, 5)
# Gradients sum more terms than forward values: 1e-4, unless a case is looser.
GRAD_TOL = 1e-4
rng = np.random.default_rng(1234)
# Static dims of the cases, drawn from --seed: mostly sizes that are not a
# multiple of any vector width.
S = {}


def draw_shapes(seed):
    r = np.random.default_rng(seed)
    S.update(n=int(r.integers(2, 40)), a=int(r.integers(1, 6)), k=int(r.integers(1, 70)),
             m=int(r.integers(1, 40)), c=int(r.integers(1, 6)), o=int(r.integers(1, 9)),
             h=int(r.integers(5, 17)), w=int(r.integers(5, 17)), v=int(r.integers(2, 60)),
             d=int(r.integers(1, 20)), hid=int(r.integers(1, 12)), cls=int(r.integers(2, 12)))


class Case:
    """One op: inputs as (dtype, dims) with "B" (batch) or "T" (time)
    symbolic, the op's text (operands %a0, %a1, ...), and torch's answer."""

    def __init__(self, name, inputs, op, ref, form="func", tol=1e-5,
                 gen=None, results=1, sig=None):
        self.name, self.inputs, self.op, self.ref = name, inputs, op, ref
        self.sig = sig
        self.form, self.tol, self.gen, self.results = form, tol, gen, results


def normal(shape, dtype):
    return rng.standard_normal(shape).astype(np.float32)


def positive(shape, dtype):
    return (np.abs(rng.standard_normal(shape)) + 0.1).astype(np.float32)


def probs(shape, dtype):
    return rng.uniform(0.02, 0.98, shape).astype(np.float32)


def softmaxed(shape, dtype):
    return torch.softmax(torch.from_numpy(normal(shape, dtype)), -1).numpy()


def with_nan(shape, dtype):
    """Normal values with about one in five NaN, as torch propagates them."""
    x = normal(shape, dtype)
    x[rng.uniform(size=shape) < 0.2] = np.nan
    return x


def probs_with_nan(shape, dtype):
    x = probs(shape, dtype)
    x.flat[0] = np.nan
    return x


def bool_bytes(shape, dtype):
    """bool buffers as C writes them: any non-zero byte is true."""
    return rng.choice(np.array([0, 1, 2, 128, 255], np.uint8), shape)


def ints(high):
    return lambda shape, dtype: rng.integers(0, high, shape).astype(
        np.int32 if dtype == "i32" else np.int64)


t = torch.from_numpy

def cases():
    n, a, k, m, ch, o = S["n"], S["a"], S["k"], S["m"], S["c"], S["o"]
    h, w, v, d, hid, cls = S["h"], S["w"], S["v"], S["d"], S["hid"], S["cls"]
    BIN = [("f32", ["B", n]), ("f32", [n])]
    U = [("f32", ["B", a, n])]
    c = []
    for op, fn in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul),
                   ("maximum", torch.maximum), ("minimum", torch.minimum)]:
        c.append(Case(op, BIN, f"dl.{op} %a0, %a1", fn))
    # NaN propagates through max and min (torch.maximum, NumPy) and relu.
    for op, fn in [("maximum", torch.maximum), ("minimum", torch.minimum)]:
        c.append(Case(op + "_nan", BIN, f"dl.{op} %a0, %a1", fn, gen=[with_nan, with_nan]))
    c.append(Case("relu_nan", U, "dl.relu %a0", torch.relu, form="same", gen=[with_nan]))
    c.append(Case("reduce_max_nan", U, "dl.reduce_max %a0 axes = [-1]",
                  lambda x: x.amax(-1), gen=[with_nan]))
    c.append(Case("max_pool2d_nan", [("f32", ["B", ch, h, w])],
                  "dl.max_pool2d %a0 kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0]",
                  lambda x: F.max_pool2d(x, 2, 2), gen=[with_nan]))
    c.append(Case("cast_bool_f32", [("i1", ["B", n])], "dl.cast %a0",
                  lambda x: (x != 0).to(torch.float32), form="cast:f32", gen=[bool_bytes]))
    c.append(Case("div", BIN, "dl.div %a0, %a1", torch.div,
                  gen=[normal, positive]))
    c.append(Case("pow", BIN, "dl.pow %a0, %a1", torch.pow,
                  gen=[positive, normal], tol=1e-4))  # pow via exp/log
    c.append(Case("add_rank3_bcast", [("f32", ["B", 1, n]), ("f32", [a, 1])],
                  "dl.add %a0, %a1", torch.add))
    for op, fn, gen, tol in [
            ("neg", torch.neg, normal, 1e-5), ("abs", torch.abs, normal, 1e-5),
            ("exp", torch.exp, normal, 1e-5), ("log", torch.log, positive, 1e-5),
            ("sqrt", torch.sqrt, positive, 1e-5),
            ("rsqrt", torch.rsqrt, positive, 1e-5),
            ("tanh", torch.tanh, normal, 1e-5),
            ("sigmoid", torch.sigmoid, normal, 1e-5),
            ("relu", torch.relu, normal, 1e-5)]:
        c.append(Case(op, U, f"dl.{op} %a0", fn, form="same", gen=[gen], tol=tol))
    c.append(Case("gelu", U, "dl.gelu %a0", F.gelu, form="same"))
    c.append(Case("gelu_tanh", U, "dl.gelu %a0 approximate = tanh",
                  lambda x: F.gelu(x, approximate="tanh"), form="same"))
    c.append(Case("cast_f32_i32", [("f32", ["B", n])], "dl.cast %a0",
                  lambda x: x.to(torch.int32), form="cast"))
    c.append(Case("cast_i32_f32", [("i32", ["B", n])], "dl.cast %a0",
                  lambda x: x.to(torch.float32), form="cast:f32", gen=[ints(100)]))
    c.append(Case("dropout", U, "dl.dropout %a0 rate = 5.000000e-01",
                  lambda x: x, form="same"))
    c.append(Case("matmul", [("f32", ["B", k]), ("f32", [k, m])],
                  "dl.matmul %a0, %a1", torch.matmul))
    c.append(Case("matmul_transposed_rhs", [("f32", ["B", k]), ("f32", [m, k])],
                  f"%t = dl.transpose %a1 [1, 0] : (tensor<{m}x{k}xf32>) -> tensor<{k}x{m}xf32>\n"
                  "    %r0 = dl.matmul %a0, %t", lambda a, w: a @ w.T,
                  sig=f"(tensor<?x{k}xf32>, tensor<{k}x{m}xf32>) -> tensor<?x{m}xf32>"))
    # matmul_tiled's edges: 70 rows (tiles of 6 rows, the last one shifted
    # in), 25 columns (tiles of 2 vectors, the last one shifted in) and a
    # dense layer whose bias and relu are the epilogue of a 16-column tile
    # over 20 columns (from 6 rows on; batch 1 takes the dot-product
    # schedule).
    c.append(Case("matmul_tiled_edges", [("f32", [70, k]), ("f32", [k, 25])],
                  "dl.matmul %a0, %a1", torch.matmul))
    # Tiles of 2 vectors x 6 rows above (25 columns), of 3 vectors x 4 rows
    # here (47 columns); both with a shifted last tile each way.
    c.append(Case("matmul_tiled_edges_wide", [("f32", [70, k]), ("f32", [k, 47])],
                  "dl.matmul %a0, %a1", torch.matmul))
    # Large enough for matmul_packed (BLAS-style packing, k in slices):
    # row tasks of 102 on 2 cores (the last of 83 rows, ending in less than
    # a 6-row sliver), 2 column tasks (4080 columns, then 20: the last
    # part of a 16-column panel), k in 3 slices of 175 (the last of 173).
    # Its lhs gradient is packed too, from a transposed view. Sums of 523
    # products of N(0, 1) values round to ~1e-5 in float32 whatever the
    # order: tol 1e-4.
    c.append(Case("matmul_packed_edges", [("f32", [389, 523]), ("f32", [523, 4100])],
                  "dl.matmul %a0, %a1", torch.matmul, tol=1e-4))
    c.append(Case("dense_relu_fused", [("f32", ["B", 33]), ("f32", [20, 33]), ("f32", [20])],
                  "%t = dl.transpose %a1 [1, 0] : (tensor<20x33xf32>) -> tensor<33x20xf32>\n"
                  "    %m = dl.matmul %a0, %t : (tensor<?x33xf32>, tensor<33x20xf32>) -> tensor<?x20xf32>\n"
                  "    %z = dl.add %m, %a2 : (tensor<?x20xf32>, tensor<20xf32>) -> tensor<?x20xf32>\n"
                  "    %r0 = dl.relu %z",
                  lambda x, w, b: torch.relu(x @ w.T + b), sig="tensor<?x20xf32>"))
    # A dense layer large enough for matmul_packed: the bias and relu are
    # applied to each task's accumulated tile as it is stored, and w^T is
    # packed from w.
    c.append(Case("dense_packed_relu_fused",
                  [("f32", [389, 523]), ("f32", [530, 523]), ("f32", [530])],
                  "%t = dl.transpose %a1 [1, 0] : (tensor<530x523xf32>) -> tensor<523x530xf32>\n"
                  "    %m = dl.matmul %a0, %t : (tensor<389x523xf32>, tensor<523x530xf32>) -> tensor<389x530xf32>\n"
                  "    %z = dl.add %m, %a2 : (tensor<389x530xf32>, tensor<530xf32>) -> tensor<389x530xf32>\n"
                  "    %r0 = dl.relu %z",
                  lambda x, w, b: torch.relu(x @ w.T + b), sig="tensor<389x530xf32>", tol=1e-4))
    c.append(Case("batch_matmul", [("f32", ["B", a, m, k]), ("f32", ["B", a, k, o])],
                  "dl.batch_matmul %a0, %a1", torch.matmul))
    c.append(Case("batch_matmul_bcast", [("f32", ["B", m, k]), ("f32", [k, o])],
                  "dl.batch_matmul %a0, %a1", torch.matmul))
    c.append(Case("reduce_sum", U, "dl.reduce_sum %a0 axes = [2]",
                  lambda x: x.sum(2)))
    c.append(Case("reduce_sum_keep", U, "dl.reduce_sum %a0 axes = [1] keep_dims",
                  lambda x: x.sum(1, keepdim=True)))
    c.append(Case("reduce_mean_all", U, "dl.reduce_mean %a0 axes = []",
                  lambda x: x.mean()))
    c.append(Case("reduce_max", U, "dl.reduce_max %a0 axes = [-1, 1]",
                  lambda x: x.amax((-1, 1))))
    c.append(Case("softmax", U, "dl.softmax %a0 axis = -1",
                  lambda x: torch.softmax(x, -1), form="same"))
    c.append(Case("softmax_axis1", U, "dl.softmax %a0 axis = 1",
                  lambda x: torch.softmax(x, 1), form="same"))
    c.append(Case("log_softmax", U, "dl.log_softmax %a0 axis = -1",
                  lambda x: torch.log_softmax(x, -1), form="same"))
    c.append(Case("batch_norm", [("f32", ["B", ch, h, w])] + [("f32", [ch])] * 4,
                  "dl.batch_norm %a0, %a1, %a2, %a3, %a4 {epsilon = 1.0e-03 : f64}",
                  # torch.batch_norm's own formula, written out so that autograd
                  # also differentiates the statistics.
                  lambda x, g, b, m, v: (x - m[:, None, None]) / torch.sqrt(v[:, None, None] + 1e-3)
                  * g[:, None, None] + b[:, None, None],
                  gen=[normal, normal, normal, normal, positive]))
    c.append(Case("layer_norm", [("f32", ["B", a, n]), ("f32", [n]), ("f32", [n])],
                  "dl.layer_norm %a0, %a1, %a2 axis = -1",
                  lambda x, g, b: F.layer_norm(x, (n,), g, b, 1e-5)))
    c.append(Case("layer_norm_2d", [("f32", ["B", a, n]), ("f32", [a, n]), ("f32", [a, n])],
                  "dl.layer_norm %a0, %a1, %a2 axis = 1",
                  lambda x, g, b: F.layer_norm(x, (a, n), g, b, 1e-5)))
    c.append(Case("reshape", [("f32", ["B", a, n])], "dl.reshape %a0 [0, -1]",
                  lambda x: x.reshape(x.shape[0], -1)))
    c.append(Case("transpose", [("f32", ["B", a, n])], "dl.transpose %a0 [2, 0, 1]",
                  lambda x: x.permute(2, 0, 1)))
    c.append(Case("broadcast_to", [("f32", [n, 1])], f"dl.broadcast_to %a0 [{a}, {n}, {m}]",
                  lambda x: x.expand(a, n, m)))
    c.append(Case("concat", [("f32", ["B", a]), ("f32", ["B", n])],
                  "dl.concat %a0, %a1 axis = 1", lambda a, b: torch.cat([a, b], 1)))
    c.append(Case("concat_batch", [("f32", ["B", n]), ("f32", [a, n])],
                  "dl.concat %a0, %a1 axis = 0", lambda a, b: torch.cat([a, b], 0)))
    c.append(Case("slice", [("f32", ["B", n])],
                  "dl.slice %a0 axes = [1] starts = [1] ends = [17] steps = [3]",
                  lambda x: x[:, 1:17:3]))
    c.append(Case("slice_negative", [("f32", ["B", n])],
                  "dl.slice %a0 axes = [-1] starts = [-5] ends = [100] steps = [1]",
                  lambda x: x[:, -5:100]))
    c.append(Case("gather", [("f32", [v, d]), ("i32", ["B", a])], "dl.gather %a0, %a1 axis = 0",
                  lambda x, i: x[i.long()], gen=[normal, ints(v)]))
    c.append(Case("gather_axis1", [("f32", [a, v]), ("i64", ["B"])], "dl.gather %a0, %a1 axis = 1",
                  lambda x, i: x[:, i], gen=[normal, ints(v)]))
    c.append(Case("embedding", [("f32", [v, d]), ("i32", ["B", a])], "dl.embedding %a0, %a1",
                  lambda w_, i: F.embedding(i.long(), w_), gen=[normal, ints(v)]))
    c.append(Case("conv2d", [("f32", ["B", ch, h, w]), ("f32", [o, ch, 3, 3])],
                  "dl.conv2d %a0, %a1 strides = [1, 1] padding = [1, 1, 1, 1] dilation = [1, 1] groups = 1",
                  lambda x, w: F.conv2d(x, w, padding=1), tol=1e-4))
    # Channel counts that are multiples of the vector width take the
    # register-tiled schedules (output channels as vector lanes); the row
    # width h, w drawn above is rarely a multiple of the tile.
    c.append(Case("conv2d_tiled", [("f32", ["B", 8, h, w]), ("f32", [24, 8, 5, 5])],
                  "dl.conv2d %a0, %a1 strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1",
                  lambda x, w: F.conv2d(x, w, padding=2), tol=1e-4))
    c.append(Case("conv2d_tiled_wide", [("f32", ["B", 16, h, w]), ("f32", [32, 16, 3, 3])],
                  "dl.conv2d %a0, %a1 strides = [1, 1] padding = [0, 1, 0, 1] dilation = [1, 1] groups = 1",
                  lambda x, w: F.conv2d(x, w, padding=(0, 1)), tol=1e-4))
    # 20 input channels x 16 output channels x 5 x 5: the filter slice
    # exceeds a quarter of L1, so dl-tile sums the input channels in blocks
    # (tile[3]) for the forward pass and the input gradient.
    c.append(Case("conv2d_tiled_channel_blocks", [("f32", ["B", 20, h, w]), ("f32", [16, 20, 5, 5])],
                  "dl.conv2d %a0, %a1 strides = [1, 1] padding = [2, 2, 2, 2] dilation = [1, 1] groups = 1",
                  lambda x, w: F.conv2d(x, w, padding=2), tol=1e-4))
    c.append(Case("conv2d_strided_dilated", [("f32", ["B", 2 * ch, h, w]), ("f32", [2 * o, ch, 3, 2])],
                  "dl.conv2d %a0, %a1 strides = [2, 1] padding = [2, 1, 0, 1] dilation = [2, 1] groups = 2",
                  lambda x, w: F.conv2d(F.pad(x, (1, 1, 2, 0)), w, stride=(2, 1), dilation=(2, 1), groups=2),
                  tol=1e-4))
    c.append(Case("max_pool2d", [("f32", ["B", ch, h, w])],
                  "dl.max_pool2d %a0 kernel = [3, 2] strides = [2, 2] padding = [1, 1, 1, 1]",
                  lambda x: F.max_pool2d(x, (3, 2), (2, 2), (1, 1))))
    # Windows that tile the input (stride = window): the gradient is a
    # select per input; odd sizes leave rows and columns in no window.
    c.append(Case("max_pool2d_tiling", [("f32", ["B", ch, h, w])],
                  "dl.max_pool2d %a0 kernel = [2, 2] strides = [2, 2] padding = [0, 0, 0, 0]",
                  lambda x: F.max_pool2d(x, 2, 2)))
    c.append(Case("max_pool2d_tiling_padded", [("f32", ["B", ch, h, w])],
                  "dl.max_pool2d %a0 kernel = [2, 3] strides = [2, 3] padding = [1, 1, 1, 1]",
                  lambda x: F.max_pool2d(x, (2, 3), (2, 3), (1, 1))))
    c.append(Case("avg_pool2d_tiling_padded", [("f32", ["B", ch, h, w])],
                  "dl.avg_pool2d %a0 kernel = [3, 2] strides = [3, 2] padding = [1, 1, 1, 1] count_include_pad",
                  lambda x: F.avg_pool2d(x, (3, 2), (3, 2), (1, 1), count_include_pad=True)))
    c.append(Case("avg_pool2d", [("f32", ["B", ch, h, w])],
                  "dl.avg_pool2d %a0 kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1]",
                  lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)))
    c.append(Case("avg_pool2d_include_pad", [("f32", ["B", ch, h, w])],
                  "dl.avg_pool2d %a0 kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] count_include_pad",
                  lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=True)))

    def lstm_ref(x, wih, whh, b):
        # PyTorch's LSTM equations written out, so that autograd
        # differentiates them (torch.nn.LSTM caches its weights), and
        # checked against torch.nn.LSTM itself.
        B, T, H = x.shape[0], x.shape[1], whh.shape[1]
        h, c, outs = x.new_zeros(B, H), x.new_zeros(B, H), []
        for step in range(T):
            i, f, g, o = (x[:, step] @ wih.T + h @ whh.T + b).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        out = torch.stack(outs, 1)
        m = torch.nn.LSTM(x.shape[2], H, batch_first=True)
        with torch.no_grad():
            m.weight_ih_l0.copy_(wih)
            m.weight_hh_l0.copy_(whh)
            m.bias_ih_l0.copy_(b)
            m.bias_hh_l0.zero_()
            want, _ = m(x)
        torch.testing.assert_close(out.detach(), want, rtol=1e-5, atol=1e-6)
        return out, h, c
    c.append(Case("lstm", [("f32", ["B", "T", d]), ("f32", [4 * hid, d]), ("f32", [4 * hid, hid]), ("f32", [4 * hid])],
                  "dl.lstm %a0, %a1, %a2, %a3", lstm_ref, results=3))
    # The last h and c (the gradient check above differentiates every step's h).
    c.append(Case("lstm_state", [("f32", ["B", "T", d]), ("f32", [4 * hid, d]), ("f32", [4 * hid, hid]), ("f32", [4 * hid])],
                  f"%o, %h, %c = dl.lstm %a0, %a1, %a2, %a3 : (tensor<?x?x{d}xf32>, tensor<{4 * hid}x{d}xf32>, "
                  f"tensor<{4 * hid}x{hid}xf32>, tensor<{4 * hid}xf32>) -> (tensor<?x?x{hid}xf32>, "
                  f"tensor<?x{hid}xf32>, tensor<?x{hid}xf32>)\n"
                  "    %r0 = dl.add %h, %c", lambda *a: lstm_ref(*a)[1] * 1.0 + lstm_ref(*a)[2],
                  sig=f"(tensor<?x{hid}xf32>, tensor<?x{hid}xf32>) -> tensor<?x{hid}xf32>"))
    c.append(Case("mse_loss", [("f32", ["B", n]), ("f32", ["B", n])],
                  "dl.mse_loss %a0, %a1", F.mse_loss))
    c.append(Case("bce", [("f32", ["B", n]), ("f32", ["B", n])],
                  "dl.binary_cross_entropy %a0, %a1", F.binary_cross_entropy,
                  gen=[probs, probs]))
    # A NaN prediction gives a NaN loss, not the clamp's 100 (torch's own
    # binary_cross_entropy refuses NaN, so the reference is its formula).
    c.append(Case("bce_nan", [("f32", ["B", n]), ("f32", ["B", n])],
                  "dl.binary_cross_entropy %a0, %a1",
                  lambda p, y: -(y * torch.clamp(torch.log(p), min=-100) +
                                 (1 - y) * torch.clamp(torch.log(1 - p), min=-100)).mean(),
                  gen=[probs_with_nan, probs]))
    c.append(Case("bce_logits", [("f32", ["B", n]), ("f32", ["B", n])],
                  "dl.binary_cross_entropy %a0, %a1 from_logits",
                  F.binary_cross_entropy_with_logits, gen=[normal, probs]))
    c.append(Case("cce", [("f32", ["B", cls]), ("f32", ["B", cls])],
                  "dl.categorical_cross_entropy %a0, %a1",
                  lambda p, t_: -(t_ * torch.log(p)).sum(-1).mean(), gen=[softmaxed, softmaxed]))
    c.append(Case("cce_logits", [("f32", ["B", cls]), ("f32", ["B", cls])],
                  "dl.categorical_cross_entropy %a0, %a1 from_logits",
                  lambda z, t_: F.cross_entropy(z, t_), gen=[normal, softmaxed]))
    c.append(Case("scce_logits", [("f32", ["B", cls]), ("i32", ["B"])],
                  "dl.sparse_categorical_cross_entropy %a0, %a1 from_logits",
                  lambda z, y: F.cross_entropy(z, y.long()), gen=[normal, ints(cls)]))
    c.append(Case("scce", [("f32", ["B", cls]), ("i32", ["B"])],
                  "dl.sparse_categorical_cross_entropy %a0, %a1",
                  lambda p, y: F.nll_loss(torch.log(p), y.long()), gen=[softmaxed, ints(cls)]))
    return c


def tensor_type(dtype, dims):
    d = "x".join("?" if isinstance(x, str) else str(x) for x in dims)
    return f"tensor<{d + 'x' if d else ''}{dtype}>"


def sample_inputs(case, sizes):
    arrays = []
    for k, (dtype, dims) in enumerate(case.inputs):
        shape = [sizes[x] if isinstance(x, str) else x for x in dims]
        gen = case.gen[k] if case.gen else normal
        arrays.append(gen(shape, dtype))
    return arrays


def reference(case, arrays):
    with torch.no_grad():
        out = case.ref(*[t(a.copy()) for a in arrays])
    outs = out if isinstance(out, tuple) else (out,)
    return [o.contiguous().numpy() for o in outs]


DTYPES = {np.float32: "f32", np.int32: "i32", np.int64: "i64"}


def result_types(case):
    """Result types: run torch twice with different symbolic sizes; dims that
    change are dynamic."""
    a = reference(case, sample_inputs(case, {"B": 3, "T": 4}))
    b = reference(case, sample_inputs(case, {"B": 6, "T": 7}))
    types = []
    for x, y in zip(a, b):
        dims = ["?" if p != q else p for p, q in zip(x.shape, y.shape)]
        types.append(tensor_type(DTYPES[x.dtype.type], dims))
    return types


def result_dims(case):
    """Each result's dims: ints, or the symbol ("B", "T") a dim follows."""
    base = reference(case, sample_inputs(case, {"B": 3, "T": 4}))
    by_b = reference(case, sample_inputs(case, {"B": 6, "T": 4}))
    by_t = reference(case, sample_inputs(case, {"B": 3, "T": 7}))
    dims = []
    for x, yb, yt in zip(base, by_b, by_t):
        dims.append(["B" if p != q else "T" if p != r else p
                     for p, q, r in zip(x.shape, yb.shape, yt.shape)])
    return dims


def symbols_of(case):
    syms = []
    for _, dims in case.inputs:
        for d in dims:
            if isinstance(d, str) and d not in syms:
                syms.append(d)
    return syms


def entry(i, case):
    args = []
    for k, (dtype, dims) in enumerate(case.inputs):
        names = ", ".join(f'"{d}"' if isinstance(d, str) else str(d) for d in dims)
        args.append(f"%a{k}: {tensor_type(dtype, dims)} {{dl.name = \"a{k}\", dl.dims = [{names}]}}")
    rtypes = result_types(case)
    in_types = [tensor_type(d, s) for d, s in case.inputs]
    if case.form == "same":
        sig = in_types[0]
    elif case.form.startswith("cast"):
        sig = f"{in_types[0]} to {rtypes[0]}"
    else:
        sig = f"({', '.join(in_types)}) -> "
        sig += rtypes[0] if len(rtypes) == 1 else f"({', '.join(rtypes)})"
    if case.sig:
        sig = case.sig
    lines = case.op.split("\n")
    results = ", ".join(f"%r{k}" for k in range(len(rtypes)))
    body = "\n".join(lines[:-1] + [f"    {results} = " + lines[-1].strip().removeprefix("%r0 = ") + f" : {sig}"])
    body = body.replace("    %r0 = %", "    %")
    rets = ", ".join(f"%r{k}" for k in range(len(rtypes)))
    return (f'  func.func @t{i}({", ".join(args)}) -> ({", ".join(rtypes)}) '
            f'attributes {{dl.entry = "t{i}"}} {{\n    {body.strip()}\n'
            f'    return {rets} : {", ".join(rtypes)}\n  }}\n'), rtypes


# Ops whose VJP is not implemented yet (or that have no float gradient).
NO_GRAD = {"cast_f32_i32", "cast_i32_f32", "cast_bool_f32",
           # NaN inputs: the forward's propagation is what is checked.
           "maximum_nan", "minimum_nan", "relu_nan", "reduce_max_nan", "max_pool2d_nan",
           "bce_nan",
           # The result's dim 0 is B + a: the cotangent argument cannot name it.
           "concat_batch"}


def grad_entry(i, case):
    """g<i>(args..., ct) = sum(op(args) * ct): dl-autodiff adds g<i>_grad,
    whose outputs are the loss and d/d(each float argument, then ct)."""
    text, rtypes = entry(i, case)
    dims = result_dims(case)[0]
    text = text.replace(f"@t{i}(", f"@g{i}(", 1).replace(f'dl.entry = "t{i}"', f'dl.entry = "g{i}"')
    names = ", ".join(f'"{d}"' if isinstance(d, str) else str(d) for d in dims)
    rt = rtypes[0]
    text = text.replace(") -> (", f", %ct: {rt} {{dl.name = \"ct\", dl.dims = [{names}]}}) -> (", 1)
    head, ret = text.rsplit("    return ", 1)
    # Only the first result is differentiated (its cotangent is ct).
    head = head.replace(f") -> ({', '.join(rtypes)}) attributes", ") -> (tensor<f32>) attributes", 1)
    body = (f"    %p = dl.mul %r0, %ct : ({rt}, {rt}) -> {rt}\n"
            f"    %s = dl.reduce_sum %p axes = [] : ({rt}) -> tensor<f32>\n"
            f"    return %s : tensor<f32>\n  }}\n")
    return head + body


def grad_driver_case(i, case):
    """Calls g<i>_grad: the inputs and ct in, the loss and one gradient per
    float argument (then ct's) out."""
    n_floats = sum(dt == "f32" for dt, _ in case.inputs) + 1
    return driver_case(1000 + i, f"ops_g{i}_grad", case, len(case.inputs) + 1, 1 + n_floats)


def grad_reference(case, arrays, ct):
    ins = [t(a.copy()).requires_grad_(a.dtype == np.float32) for a in arrays]
    out = case.ref(*ins)
    out = out[0] if isinstance(out, tuple) else out
    ct_t = t(ct.copy()).requires_grad_(True)
    loss = (out * ct_t).sum()
    loss.backward()
    grads = [x.grad.numpy() for x, a in zip(ins, arrays) if a.dtype == np.float32]
    # The sum itself in float64, so that only dlc's rounding is measured.
    exact = np.sum(out.detach().numpy().astype(np.float64) * ct)
    return [np.array(exact, np.float32)] + grads + [ct_t.grad.numpy()]


DRIVER = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ops.h"

static void *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *p = malloc(n > 0 ? n : 1);
  if (fread(p, 1, n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
  return p;
}

static void spill(const char *path, const void *p, long n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
}

/* argv: case, symbol values..., input files..., (output file, bytes)... */
int main(int argc, char **argv) {
  ops_model *m;
  if (ops_create(&m, 0) != DLC_OK) { fprintf(stderr, "%s\n", ops_last_error(NULL)); return 1; }
  int which = atoi(argv[1]);
  int rc = -1;
  switch (which) {
%CASES%
  }
  if (rc != DLC_OK) { fprintf(stderr, "%s\n", ops_last_error(m)); return 1; }
  ops_destroy(m);
  return 0;
}
"""


def driver_case(which, function, case, n_in, n_out):
    """The driver's `case which:`: reads n_in inputs, calls `function` with
    the symbols' values, writes n_out outputs (argv: symbols, input files,
    then (file, bytes) per output)."""
    lines = [f"  case {which}: {{"]
    a = 2
    call = [f"{function}(m"]
    for _ in symbols_of(case):
        call.append(f"atoll(argv[{a}])")
        a += 1
    for k in range(n_in):
        lines.append(f"    void *in{k} = slurp(argv[{a}]);")
        call.append(f"in{k}")
        a += 1
    outs = []
    for k in range(n_out):
        lines.append(f"    void *out{k} = malloc(atol(argv[{a + 1}]) + 1);")
        call.append(f"out{k}")
        outs.append((k, a))
        a += 2
    lines.append("    rc = " + ", ".join(call) + ");")
    for k, pos in outs:
        lines.append(f"    if (rc == DLC_OK) spill(argv[{pos}], out{k}, atol(argv[{pos + 1}]));")
    lines.append("    break;\n  }")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlc")
    ap.add_argument("work")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", default="")
    ap.add_argument("--only")
    ap.add_argument("--no-grad", action="store_true", help="forward checks only")
    ap.add_argument("--module-only", action="store_true",
                    help="write WORK/ops.mlir (every case's entry points) and stop")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DLC_OP_TEST_SEED", "1")),
                    help="draws the cases' static dims (default: $DLC_OP_TEST_SEED or 1)")
    args = ap.parse_args()
    draw_shapes(args.seed)
    print(f"seed {args.seed}: dims {S}")
    torch.set_num_threads(1)
    os.makedirs(args.work, exist_ok=True)
    all_cases = [c for c in cases() if not args.only or c.name == args.only]
    module, driver_cases, rtypes_all = ['module attributes {dl.model = "ops"} {\n'], [], []
    for i, case in enumerate(all_cases):
        text, rtypes = entry(i, case)
        module.append(text)
        driver_cases.append(driver_case(i, f"ops_t{i}", case, len(case.inputs), len(rtypes)))
        rtypes_all.append(rtypes)
        if case.name not in NO_GRAD and not args.no_grad:
            module.append(grad_entry(i, case))
            driver_cases.append(grad_driver_case(i, case))
    module.append("}\n")
    src = os.path.join(args.work, "ops.mlir")
    with open(src, "w") as f:
        f.write("".join(module))
    if args.module_only:
        return 0
    obj = os.path.join(args.work, "ops.o")
    subprocess.run([args.dlc, "compile", src, "-o", obj], check=True)
    drv = os.path.join(args.work, "driver.c")
    with open(drv, "w") as f:
        f.write(DRIVER.replace("%CASES%", "\n".join(driver_cases)))
    exe = os.path.join(args.work, "driver")
    subprocess.run([args.cc] + args.cflags.split() + ["-I", args.work, drv, obj,
                    "-lpthread", "-ldl", "-lm", "-o", exe], check=True)

    def check(label, which, case, sizes, arrays, expected, tol, atols=None):
        """Runs driver case `which` on `arrays`; 1 if any output differs
        by more than `tol` (relative and absolute), or than atols[k] where
        given for output k."""
        argv = [exe, str(which)] + [str(sizes[s]) for s in symbols_of(case)]
        for k, a in enumerate(arrays):
            p = os.path.join(args.work, f"in{k}.bin")
            a.tofile(p)
            argv.append(p)
        for k, e in enumerate(expected):
            argv += [os.path.join(args.work, f"out{k}.bin"), str(e.nbytes)]
        run = subprocess.run(argv, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {label}: {run.stderr.strip()}")
            return 1
        for k, e in enumerate(expected):
            got = np.fromfile(os.path.join(args.work, f"out{k}.bin"), e.dtype).reshape(e.shape)
            atol = tol if atols is None or atols[k] is None else atols[k]
            if not np.allclose(got, e, rtol=tol, atol=atol, equal_nan=True):
                err = np.max(np.abs(got.astype(np.float64) - e))
                where = np.unravel_index(np.argmax(np.abs(got.astype(np.float64) - e)), e.shape)
                print(f"FAIL {label} output {k}: max |error| {err:.3g} > {tol:g} at {where} "
                      f"(got {got[where]:.6g}, expected {e[where]:.6g}; max |expected| "
                      f"{np.max(np.abs(e)):.3g})")
                return 1
        print(f"ok   {label}")
        return 0

    failures = grads = 0
    for i, case in enumerate(all_cases):
        for batch in BATCHES:
            sizes = {"B": batch, "T": 3}
            arrays = sample_inputs(case, sizes)
            failures += check(f"{case.name} batch={batch}", i, case, sizes, arrays,
                              reference(case, arrays), case.tol)
    for i, case in enumerate(all_cases):
        if case.name in NO_GRAD or args.no_grad:
            continue
        grads += 1
        for batch in BATCHES:
            sizes = {"B": batch, "T": 3}
            arrays = sample_inputs(case, sizes)
            out = reference(case, arrays)[0]
            ct = rng.standard_normal(out.shape).astype(np.float32)
            expected = grad_reference(case, arrays, ct)
            tol = max(case.tol, GRAD_TOL)
            # sum(out * ct) cancels: its float32 rounding is bounded by the
            # sum of the terms' magnitudes, not by the result's.
            terms = np.sum(np.abs(out.astype(np.float64) * ct))
            atols = [tol * max(1.0, terms)] + [None] * (len(expected) - 1)
            failures += check(f"grad {case.name} batch={batch}", 1000 + i, case, sizes,
                              arrays + [ct], expected, tol, atols)
    print(f"{len(all_cases)} ops x {len(BATCHES)} batches, {grads} gradients: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
