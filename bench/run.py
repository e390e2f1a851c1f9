#!/usr/bin/python3
"""dlc vs PyTorch eager, side by side in one run (not a test): inference
and training steps.

Compiles examples/fashion_mnist/{mlp,cnn}.dl with dlc (timing `dlc compile`),
links bench_forward.c against each, and times the forward pass of dlc and
of the same model in PyTorch (torch_forward.py, OpenBLAS) at batch 1 and a
large batch, with the same thread count for both (1 and all cores). Prints
a Markdown table; ratio = PyTorch time / dlc time (> 1: dlc is faster).

Usage: bench/run.py [--dlc build/bin/dlc] [--work build/bench] [--append-results]
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"


def median_us(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median_us ([0-9.]+)", out).group(1))


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read()
    isa = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "sse"
    return f"{model}, {os.cpu_count()} cores, {isa}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--append-results", action="store_true",
                    help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    cores = os.cpu_count()
    lines = []

    compile_rows = []
    exes = {}
    for model, prefix in [("mlp", "fashion_mlp"), ("cnn", "fashion_cnn")]:
        src = os.path.join(ROOT, "examples", "fashion_mnist", f"{model}.dl")
        obj = os.path.join(args.work, f"{prefix}.o")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([args.dlc, "compile", src, "-o", obj], check=True)
            times.append(time.perf_counter() - t0)
        compile_rows.append((model, statistics.median(times)))
        exe = os.path.join(args.work, f"bench_{model}")
        subprocess.run(["cc", "-O2", f"-DMODEL={prefix}", "-I", args.work,
                        os.path.join(ROOT, "bench", "bench_forward.c"), obj,
                        "-lpthread", "-ldl", "-lm", "-o", exe], check=True)
        exes[model] = exe

    lines.append(f"### {datetime.date.today().isoformat()} — {machine()}")
    lines.append("")
    lines.append("`dlc compile` wall time (median of 3): " +
                 ", ".join(f"{m} {t:.2f} s" for m, t in compile_rows))
    lines.append("")
    lines.append("| model | batch | threads | dlc (ms) | PyTorch (ms) | ratio |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    print("\n".join(lines), flush=True)
    for model, big in [("mlp", 256), ("cnn", 64)]:
        for batch in (1, big):
            for threads in sorted({1, cores}):
                iters = 200 if batch == 1 else 20
                env = dict(os.environ, HL_NUM_THREADS=str(threads),
                           OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
                d = median_us([exes[model], "forward", str(batch), str(iters)], env)
                t = median_us([PY, os.path.join(ROOT, "bench", "torch_forward.py"), model,
                               str(batch), str(iters), "--threads", str(threads)], env)
                row = (f"| {model} | {batch} | {threads} | {d / 1000:.3f} | {t / 1000:.3f} "
                       f"| {t / d:.2f} |")
                print(row, flush=True)
                lines.append(row)
    # Training: a train_step (forward, backward, Adam) against PyTorch's.
    lines += ["", "| train step | batch | threads | dlc (ms) | PyTorch (ms) | ratio | "
              "dlc epoch of 60,000 (s) |", "|---|---:|---:|---:|---:|---:|---:|"]
    print("\n".join(lines[-3:]), flush=True)
    for model, batch, iters in [("mlp", 32, 200), ("cnn", 64, 5)]:
        for threads in sorted({1, cores}):
            env = dict(os.environ, HL_NUM_THREADS=str(threads),
                       OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
            d = median_us([exes[model], "train", str(batch), str(iters)], env)
            t = median_us([PY, os.path.join(ROOT, "bench", "torch_train.py"), model,
                           str(batch), str(iters), "--threads", str(threads)], env)
            epoch = d * 1e-6 * (60000 / batch)
            row = (f"| {model} | {batch} | {threads} | {d / 1000:.3f} | {t / 1000:.3f} "
                   f"| {t / d:.2f} | {epoch:.1f} |")
            print(row, flush=True)
            lines.append(row)
    if args.append_results:
        with open(os.path.join(ROOT, "bench", "RESULTS.md"), "a") as f:
            f.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
