#!/usr/bin/python3
"""dlc vs PyTorch 1.13 eager (OpenBLAS, oneDNN), side by side in one run
(not a test). Every row runs dlc and PyTorch with the same thread count,
first 1 thread and then every core; ratio = PyTorch time / dlc time (> 1:
dlc is faster).

  * `dlc compile` wall time of the MLP and the CNN (with training).
  * Inference: the MLP at batch 1 and 10,000, the CNN at batch 1 and 64.
  * Training: one train_step (forward, backward, Adam) of the MLP at batch
    32 (and the epoch of 60,000 images it implies) and the CNN at batch 64.
  * GEMM: a 1024 x 1024 x 1024 fp32 product (bench/gemm.dl) against
    OpenBLAS's cblas_sgemm (libblas.so.3, the BLAS PyTorch calls), both
    timed in one process by bench_gemm.c in alternating blocks of calls;
    in GFLOP/s and as a fraction of the machine's peak (cores x FMA lanes
    x 2 x the clock /proc/cpuinfo reports).
  * Ablation: the same model compiled with --no-fusion --no-tiling,
    --no-tiling, --no-fusion and the default, on every core.

Every dlc-vs-PyTorch cell runs both sides in turn, --rounds times (each a
fresh process timing many calls, reporting its median), and keeps each
side's fastest round: this VM's speed drifts by 10-40% over minutes, and
in bursts of seconds the hypervisor takes one of the two cores away
(steal time), which slows whole runs and never speeds one up. Alternating
makes a drift hit both sides alike; the fastest round drops the bursts
from both. (The GEMM alternates within one process, 2 x --rounds blocks
of 5 calls a side, medians over all calls.)

Usage: bench/run.py [--dlc build/bin/dlc] [--work build/bench] [--rounds 3]
                    [--append-results]
(bench/run.sh builds dlc first and appends to bench/RESULTS.md.)
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
MODELS = {"mlp": "fashion_mlp", "cnn": "fashion_cnn"}


def output(cmd, env):
    """The command's stdout; on failure, its stderr and exit."""
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def median_us(cmd, env):
    return float(re.search(r"median_us ([0-9.]+)", output(cmd, env)).group(1))


def alternate(rounds, dlc_cmd, torch_cmd, env):
    """dlc's and PyTorch's fastest per-run median microseconds over `rounds`
    alternating runs of each."""
    d, t = [], []
    for _ in range(rounds):
        d.append(median_us(dlc_cmd, env))
        t.append(median_us(torch_cmd, env))
    return min(d), min(t)


def cpuinfo():
    text = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", text)
    mhz = re.search(r"cpu MHz\s*:\s*([0-9.]+)", text)
    isa = "avx512f" if " avx512f" in text else "avx2" if " avx2" in text else "sse"
    return (model.group(1).strip() if model else "unknown CPU", isa,
            float(mhz.group(1)) if mhz else 0.0)


def ms(us):
    """Milliseconds, with 4 significant digits below 1 ms (batch-1 calls
    take microseconds)."""
    return f"{us / 1000:.3f}" if us >= 1000 else f"{us / 1000:.4g}"


def env_for(threads):
    return dict(os.environ, HL_NUM_THREADS=str(threads),
                OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))


class Bench:
    def __init__(self, args):
        self.args = args
        self.lines = []

    def emit(self, *rows):
        for r in rows:
            print(r, flush=True)
            self.lines.append(r)

    def compile(self, model, flags=(), tag="", runs=1):
        """Compiles and links bench_forward.c (or bench_gemm.c); returns the
        executable and the median compile wall time."""
        prefix = MODELS.get(model, model)
        src = (os.path.join(ROOT, "bench", "gemm.dl") if model == "gemm" else
               os.path.join(ROOT, "examples", "fashion_mnist", f"{model}.dl"))
        work = os.path.join(self.args.work, tag or "default")
        os.makedirs(work, exist_ok=True)
        obj = os.path.join(work, f"{prefix}.o")
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([self.args.dlc, "compile", src, "-o", obj, *flags], check=True)
            times.append(time.perf_counter() - t0)
        exe = os.path.join(work, f"bench_{model}")
        driver = "bench_gemm.c" if model == "gemm" else "bench_forward.c"
        subprocess.run(["cc", "-O2", f"-DMODEL={prefix}", "-I", work,
                        os.path.join(ROOT, "bench", driver), obj,
                        "-lpthread", "-ldl", "-lm", "-o", exe], check=True)
        return exe, statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating dlc / PyTorch runs per cell (fastest kept)")
    ap.add_argument("--append-results", action="store_true",
                    help="append the tables to bench/RESULTS.md")
    args = ap.parse_args()
    cores = os.cpu_count()
    threads_list = sorted({1, cores})
    model_name, isa, mhz = cpuinfo()
    b = Bench(args)

    exes, compile_s = {}, {}
    for model in ("mlp", "cnn", "gemm"):
        exes[model], compile_s[model] = b.compile(model, runs=3)
    b.emit(f"### {datetime.date.today().isoformat()} — {model_name}, {cores} cores, "
           f"{isa}, {mhz:.0f} MHz, {platform.system()} {platform.release()}", "",
           "Commands: `bench/run.sh` (builds dlc, then `bench/run.py --append-results`); "
           f"each cell: the fastest of {args.rounds} alternating dlc / PyTorch runs "
           "(each a median per call).",
           "", "`dlc compile` wall time (median of 3, training included): " +
           ", ".join(f"{m} {compile_s[m]:.2f} s" for m in ("mlp", "cnn")), "",
           "| inference | batch | threads | dlc (ms) | PyTorch (ms) | ratio |",
           "|---|---:|---:|---:|---:|---:|")
    def versus(model, mode, batch, iters, threads):
        """dlc's and PyTorch's microseconds per call for one configuration
        (each side's fastest of the alternating rounds)."""
        script = "torch_forward.py" if mode == "forward" else "torch_train.py"
        return alternate(args.rounds, [exes[model], mode, str(batch), str(iters)],
                         [PY, os.path.join(ROOT, "bench", script), model, str(batch),
                          str(iters), "--threads", str(threads)], env_for(threads))

    for model, batches in [("mlp", (1, 10000)), ("cnn", (1, 64))]:
        for batch in batches:
            for threads in threads_list:
                d, t = versus(model, "forward", batch, 200 if batch == 1 else 20, threads)
                b.emit(f"| {model} | {batch} | {threads} | {ms(d)} | {ms(t)} "
                       f"| {t / d:.2f} |")

    b.emit("", "| train step | batch | threads | dlc (ms) | PyTorch (ms) | ratio | "
           "dlc epoch of 60,000 (s) |", "|---|---:|---:|---:|---:|---:|---:|")
    for model, batch, iters in [("mlp", 32, 300), ("cnn", 64, 10)]:
        for threads in threads_list:
            d, t = versus(model, "train", batch, iters, threads)
            b.emit(f"| {model} | {batch} | {threads} | {ms(d)} | {ms(t)} "
                   f"| {t / d:.2f} | {d * 1e-6 * 60000 / batch:.1f} |")

    lanes = 16 if isa == "avx512f" else 8
    b.emit("", f"GEMM 1024 x 1024 x 1024 fp32 (2.15 GFLOP); peak = threads x {lanes} lanes "
           f"x 2 FMA units x 2 flops x {mhz / 1000:.2f} GHz:", "",
           "| GEMM | threads | dlc (ms) | dlc GFLOP/s | % of peak | OpenBLAS (ms) | "
           "OpenBLAS GFLOP/s | ratio |", "|---|---:|---:|---:|---:|---:|---:|---:|")
    flop = 2 * 1024 ** 3
    for threads in threads_list:
        out = output([exes["gemm"], str(2 * args.rounds)], env_for(threads))
        d = float(re.search(r"^median_us ([0-9.]+)", out, re.M).group(1))
        t = float(re.search(r"^openblas_median_us ([0-9.]+)", out, re.M).group(1))
        peak = threads * lanes * 2 * 2 * mhz * 1e6
        b.emit(f"| 1024³ | {threads} | {d / 1000:.2f} | {flop / d / 1e3:.1f} | "
               f"{100 * flop / (d * 1e-6) / peak:.0f}% | {t / 1000:.2f} | "
               f"{flop / t / 1e3:.1f} | {t / d:.2f} |")

    b.emit("", f"Ablation ({cores} threads, dlc only; ms per call, lower is better):", "",
           "| variant | mlp infer b10000 | mlp train b32 | cnn infer b64 | cnn train b64 |",
           "|---|---:|---:|---:|---:|")
    for name, flags in [("no fusion, no tiling", ("--no-fusion", "--no-tiling")),
                        ("fusion, no tiling", ("--no-tiling",)),
                        ("tiling, no fusion", ("--no-fusion",)),
                        ("fusion + tiling (default)", ())]:
        tag = "ablation-" + ("-".join(f.strip("-") for f in flags) or "default")
        cells = []
        for model, runs in [("mlp", [("forward", 10000, 10), ("train", 32, 300)]),
                            ("cnn", [("forward", 64, 10), ("train", 64, 5)])]:
            exe, _ = b.compile(model, flags, tag)
            for mode, batch, iters in runs:
                cells.append(median_us([exe, mode, str(batch), str(iters)], env_for(cores)))
        b.emit(f"| {name} | " + " | ".join(f"{c / 1000:.2f}" for c in cells) + " |")

    if args.append_results:
        with open(os.path.join(ROOT, "bench", "RESULTS.md"), "a") as f:
            f.write("\n" + "\n".join(b.lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
