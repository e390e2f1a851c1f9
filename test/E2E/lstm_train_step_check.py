#!/usr/bin/python3
"""One train_step of examples/lstm/classifier.dl (embedding, LSTM, dropout,
dense; binary cross-entropy from logits; L2 1e-4; SGD with Nesterov
momentum 0.9) against PyTorch from the same weights, tokens, labels and
dropout mask. The LSTM is torch.nn.LSTM's equations written out, so
autograd runs backpropagation through time. Checked, to 1e-5 relative:

  * the loss (including the L2 penalty, Keras's: lambda * sum(w^2) over
    the weights of rank >= 2);
  * every momentum buffer (after one step: the gradient), normwise;
  * every updated parameter against torch.optim.SGD's, element by element
    (rtol 1e-5, atol 1e-7).

Usage: lstm_train_step_check.py DLC CC MODEL.dl WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step_check import (dropout_mask, load_safetensors,  # noqa: E402
                              torch_step_and_check_loss)

HERE = os.path.dirname(os.path.abspath(__file__))


def forward(p, tokens, seed):
    x = p["emb.weight"][tokens]
    B, T, H = x.shape[0], x.shape[1], p["rnn.weight_hh"].shape[1]
    h, c = x.new_zeros(B, H), x.new_zeros(B, H)
    for t in range(T):
        i, f, g, o = (x[:, t] @ p["rnn.weight_ih"].T + h @ p["rnn.weight_hh"].T
                      + p["rnn.bias"]).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    h = h * torch.from_numpy(dropout_mask(h.shape, seed, 1, 0.1))
    return h @ p["logit.weight"].T + p["logit.bias"]


def main():
    dlc, cc, model, work = sys.argv[1:5]
    torch.set_num_threads(1)
    os.makedirs(work, exist_ok=True)
    obj = os.path.join(work, "lstm_classifier.o")
    subprocess.run([dlc, "compile", model, "-o", obj], check=True)
    exe = os.path.join(work, "step")
    subprocess.run([cc, "-I", work, os.path.join(HERE, "Inputs", "lstm_step_driver.c"), obj,
                    "-lpthread", "-ldl", "-lm", "-o", exe], check=True)
    batch, time = 6, 9
    rng = np.random.default_rng(11)
    tokens = rng.integers(0, 5000, (batch, time)).astype(np.int32)
    y = rng.integers(0, 2, (batch, 1)).astype(np.float32)
    paths = [os.path.join(work, n) for n in ("init.st", "after.st", "tokens.i32", "y.f32")]
    tokens.tofile(paths[2])
    y.tofile(paths[3])
    out = subprocess.run([exe] + paths + [str(batch), str(time)], capture_output=True,
                         text=True, check=True)
    dlc_loss = float(out.stdout.split()[1])

    init, after = load_safetensors(paths[0]), load_safetensors(paths[1])
    names = [n for n in init if f"optimizer.{n}.momentum" in init]
    params = {n: torch.tensor(init[n], requires_grad=True) for n in names}
    seed = int(init["rng.seed"].item())
    lr = float(init["optimizer.learning_rate"])
    logits = forward(params, torch.from_numpy(tokens).long(), seed)
    loss = F.binary_cross_entropy_with_logits(logits, torch.from_numpy(y))
    loss = loss + 1e-4 * sum((params[n] ** 2).sum() for n in names if params[n].dim() >= 2)
    opt = torch.optim.SGD([params[n] for n in names], lr=lr, momentum=0.9, nesterov=True)
    failures = torch_step_and_check_loss(opt, loss, dlc_loss)
    for n in names:
        got = after[f"optimizer.{n}.momentum"]
        want = opt.state[params[n]]["momentum_buffer"].numpy()
        err = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30)
        if err > 1e-5:
            print(f"FAIL optimizer.{n}.momentum: normwise error {err:.3g}")
            failures += 1
        elif not np.allclose(after[n], params[n].detach().numpy(), rtol=1e-5, atol=1e-7):
            err = np.max(np.abs(after[n] - params[n].detach().numpy()))
            print(f"FAIL {n}: differs from torch.optim.SGD's update by {err:.3g}")
            failures += 1
        else:
            print(f"ok   {n}: gradient and update")
    print(f"lstm: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
