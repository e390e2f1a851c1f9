#!/usr/bin/python3
"""PyTorch eager baseline for bench/run.py: median wall time of the same
models' forward pass (eval mode, no_grad). Set OPENBLAS_NUM_THREADS before
starting Python; --threads sets torch's intra-op threads.

Usage: torch_forward.py mlp|cnn BATCH ITERATIONS --threads N
Prints "median_us <value>".
"""
import argparse
import time

import torch
import torch.nn as nn


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(128, 10))


def cnn():
    # examples/fashion_mnist/cnn.dl
    return nn.Sequential(nn.Unflatten(1, (1, 28)),
                         nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 1024), nn.ReLU(),
                         nn.Dropout(0.4), nn.Linear(1024, 10))


def median_us(step, iterations, warmup=2):
    """Median wall time of `step()` in microseconds, after `warmup` calls."""
    times = []
    for i in range(warmup + iterations):
        t0 = time.perf_counter()
        step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e6)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mlp", "cnn"])
    ap.add_argument("batch", type=int)
    ap.add_argument("iterations", type=int)
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = (mlp if args.model == "mlp" else cnn)().eval()
    x = torch.rand(args.batch, 28, 28)
    with torch.no_grad():
        print(f"median_us {median_us(lambda: model(x), args.iterations, warmup=3):.2f}")


if __name__ == "__main__":
    main()
