#!/usr/bin/python3
"""One dlc train_step against PyTorch: the same initial weights (dlc's,
saved as safetensors), the same batch, the same dropout mask (dlc's
counter-based hash, recomputed here), then torch.optim.Adam with the
model's hyperparameters. Checked, each to 1e-5 relative:

  * the loss;
  * Adam's moments m and v of every parameter against torch's exp_avg and
    exp_avg_sq (normwise: max error / max magnitude; 2e-5 for v, which is
    quadratic in the gradient), i.e. the gradients;
  * every updated parameter against Adam's update applied to dlc's own
    moments (rtol 1e-5, atol 1e-7).

The updated parameters are not compared with torch's element by element:
for a gradient near Adam's epsilon (1e-7) the first step's update
lr * g / (|g| + eps) amplifies float32 rounding in g by up to lr / eps =
1e4, so two correct float32 implementations differ there by more than
1e-5. The moments check the gradients, the last check the update rule.

  * running averages of batch_norm layers (kind bn) against
    torch.nn.functional.batch_norm's in training mode, rtol 1e-5.

Usage: train_step_check.py DLC CC MODEL.dl mlp|cnn|bn WORK_DIR
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def load_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b:8 + n + e], "<f4").reshape(info["shape"]).copy()
    return out


def dropout_mask(shape, seed, salt, rate):
    """dl.dropout_mask's hash (lib/Target/Halide/Lowering/Training.cpp), in numpy uint32."""
    idx = np.arange(int(np.prod(shape)), dtype=np.uint64).astype(np.uint32)
    with np.errstate(over="ignore"):
        h = (idx * np.uint32(0x9E3779B1)) ^ (np.uint32(seed) * np.uint32(0x85EBCA77)) \
            ^ np.uint32((salt * 0xC2B2AE3D) & 0xFFFFFFFF)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x7FEB352D)
        h ^= h >> np.uint32(15)
        h *= np.uint32(0x846CA68B)
        h ^= h >> np.uint32(16)
    u = (h >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return np.where(u < np.float32(rate), np.float32(0), np.float32(1.0 / (1.0 - rate))).reshape(shape)


def torch_step_and_check_loss(opt, loss, dlc_loss):
    """Backward and one step of `opt`; prints whether dlc's loss matches
    (rtol 1e-5) and returns the number of failures (0 or 1)."""
    opt.zero_grad()
    loss.backward()
    opt.step()
    if not np.isclose(dlc_loss, loss.item(), rtol=1e-5, atol=0):
        print(f"FAIL loss: dlc {dlc_loss:.9g}, PyTorch {loss.item():.9g}")
        return 1
    print(f"ok   loss {dlc_loss:.7g}")
    return 0


def forward(kind, p, x, seed):
    if kind == "mlp":
        h = torch.relu(torch.flatten(x, 1) @ p["fc1.weight"].T + p["fc1.bias"])
        h = h * torch.from_numpy(dropout_mask(h.shape, seed, 1, 0.2))
        return h @ p["fc2.weight"].T + p["fc2.bias"]
    h = x.reshape(-1, 1, 28, 28)
    if kind == "bn":
        h = F.conv2d(h, p["conv1.weight"], padding=1)
        # Training mode: batch statistics; updates the running ones in place.
        h = F.batch_norm(h, p["bn1.running_mean"], p["bn1.running_var"], p["bn1.weight"],
                         p["bn1.bias"], training=True, momentum=0.1, eps=1e-5)
        h = F.max_pool2d(torch.relu(h), 2)
        return torch.flatten(h, 1) @ p["fc1.weight"].T + p["fc1.bias"]
    h = F.max_pool2d(torch.relu(F.conv2d(h, p["conv1.weight"], p["conv1.bias"], padding=2)), 2)
    h = F.max_pool2d(torch.relu(F.conv2d(h, p["conv2.weight"], p["conv2.bias"], padding=2)), 2)
    h = torch.relu(torch.flatten(h, 1) @ p["fc1.weight"].T + p["fc1.bias"])
    h = h * torch.from_numpy(dropout_mask(h.shape, seed, 1, 0.4))
    return h @ p["fc2.weight"].T + p["fc2.bias"]


def main():
    dlc, cc, model, kind, work = sys.argv[1:6]
    torch.set_num_threads(1)
    os.makedirs(work, exist_ok=True)
    prefix = "fashion_" + kind
    obj = os.path.join(work, prefix + ".o")
    subprocess.run([dlc, "compile", model, "-o", obj], check=True)
    exe = os.path.join(work, "step")
    subprocess.run([cc, f"-DMODEL={prefix}", "-I", work, os.path.join(HERE, "Inputs", "train_step_driver.c"),
                    obj, "-lpthread", "-ldl", "-lm", "-o", exe], check=True)
    batch = 8
    rng = np.random.default_rng(7)
    x = rng.random((batch, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch).astype(np.int32)
    paths = [os.path.join(work, n) for n in ("init.st", "after.st", "x.f32", "y.i32")]
    x.tofile(paths[2])
    y.tofile(paths[3])
    out = subprocess.run([exe] + paths + [str(batch)], capture_output=True, text=True, check=True)
    dlc_loss = float(out.stdout.split()[1])

    init, after = load_safetensors(paths[0]), load_safetensors(paths[1])
    names = [n for n in init if f"optimizer.{n}.m" in init]
    running = [n for n in init if ".running_" in n]
    params = {n: torch.tensor(init[n], requires_grad=True) for n in names}
    params.update({n: torch.tensor(init[n]) for n in running})
    seed = int(init.get("rng.seed", np.zeros(())).item())
    lr = float(init["optimizer.learning_rate"])
    logits = forward(kind, params, torch.from_numpy(x), seed)
    loss = F.cross_entropy(logits, torch.from_numpy(y).long())
    # The .dl files use Keras's Adam defaults: beta 0.9, 0.999, epsilon 1e-7.
    opt = torch.optim.Adam([params[n] for n in names], lr=lr, betas=(0.9, 0.999), eps=1e-7)
    failures = torch_step_and_check_loss(opt, loss, dlc_loss)
    b1, b2, eps = 0.9, 0.999, 1e-7
    for n in names:
        st = opt.state[params[n]]
        # v is quadratic in g: twice g's relative error.
        for slot, key, tol in (("m", "exp_avg", 1e-5), ("v", "exp_avg_sq", 2e-5)):
            got, want = after[f"optimizer.{n}.{slot}"], st[key].numpy()
            err = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30)
            if err > tol:
                print(f"FAIL optimizer.{n}.{slot}: normwise error {err:.3g} against torch's {key}")
                failures += 1
        m, v = after[f"optimizer.{n}.m"].astype(np.float64), after[f"optimizer.{n}.v"].astype(np.float64)
        update = lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
        want = init[n].astype(np.float64) - update
        if not np.allclose(after[n], want, rtol=1e-5, atol=1e-7):
            err = np.max(np.abs(after[n] - want))
            print(f"FAIL {n}: the update differs from Adam's on dlc's moments by {err:.3g}")
            failures += 1
        else:
            print(f"ok   {n}: gradient moments and update")
    for n in running:
        # PyTorch's update, unbiased variance included.
        if not np.allclose(after[n], params[n].numpy(), rtol=1e-5, atol=1e-7):
            err = np.max(np.abs(after[n] - params[n].numpy()))
            print(f"FAIL {n}: differs from PyTorch's running average by {err:.3g}")
            failures += 1
        else:
            print(f"ok   {n}: running average")
    if float(after["optimizer.step"]) != 1.0:
        print("FAIL optimizer.step is not 1")
        failures += 1
    print(f"{kind}: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
