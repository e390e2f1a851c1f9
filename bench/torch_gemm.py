#!/usr/bin/python3
"""OpenBLAS baseline of bench/run.py's GEMM row: median wall time of a
1024 x 1024 x 1024 fp32 product with torch.mm (Debian's PyTorch calls
libblas.so.3, OpenBLAS here). Set OPENBLAS_NUM_THREADS before starting
Python; --threads sets torch's intra-op threads.

Usage: torch_gemm.py ITERATIONS --threads N
Prints "median_us <value>".
"""
import argparse

import torch

from torch_forward import median_us


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iterations", type=int)
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
    c = torch.empty(1024, 1024)
    print(f"median_us {median_us(lambda: torch.mm(a, b, out=c), args.iterations):.2f}")


if __name__ == "__main__":
    main()
