#!/usr/bin/python3
"""PyTorch eager baseline of bench/run.py for training: median wall time of
one step (train mode, forward, cross-entropy, backward, Adam) of the models
in torch_forward.py. Set OPENBLAS_NUM_THREADS before starting Python.

Usage: torch_train.py mlp|cnn BATCH ITERATIONS --threads N
Prints "median_us <value>".
"""
import argparse

import torch

from torch_forward import cnn, median_us, mlp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mlp", "cnn"])
    ap.add_argument("batch", type=int)
    ap.add_argument("iterations", type=int)
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = (mlp if args.model == "mlp" else cnn)().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(args.batch, 28, 28)
    y = torch.arange(args.batch) % 10

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    print(f"median_us {median_us(step, args.iterations):.2f}")


if __name__ == "__main__":
    main()
