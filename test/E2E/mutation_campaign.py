#!/usr/bin/python3
"""Back-end mutation campaign: mutants of every example through `dlc compile`.

Each example (.dl) is mutated the ways a user's mistakes and a hostile file
mutate a model: dims 0, 1, -1 and 2^31; axes out of range; kernels and
pools larger than the input; strides 0; dropout rates 1.0 and -1; units 0;
statements deleted or duplicated; op names swapped. Its verified dl IR
(--emit=dl) is mutated too: tensor dims, dim names, attributes, deleted
ops. Every mutant goes through the full `dlc compile` (front end, passes,
Halide, LLVM) and must end in exit 0 (an object was written) or exit 1 with
a located error ("file:line:col: error:") and no internal error: never a
signal, an assertion, a Halide or LLVM message of their own, or a time-out.

Mutants are drawn from --seed, at most --count per example; prints one line
per failure and a closing "N passed, M failed" line.

Usage: mutation_campaign.py DLC EXAMPLES_DIR WORK_DIR [--count N] [--seed S]
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys

TIMEOUT = 180  # seconds per compile; the CNN takes about 5
# Output that means a message reached the user without becoming dlc's own
# diagnostic, or that the compiler broke.
FORBIDDEN = [
    "internal error", "Assertion", "assertion", "LLVM ERROR", "Stack dump",
    "PLEASE submit", "Halide", "terminate called", "Segmentation", "Aborted",
    "warning:", "AddressSanitizer", "runtime error:",
]
LOCATED = re.compile(r"^[^\s:]+\.(dl|mlir):\d+:\d+: error: ", re.M)
BUILTINS = ["dense", "conv2d", "max_pool2d", "avg_pool2d", "relu", "softmax",
            "mean", "sum", "max", "flatten", "layer_norm", "batch_norm",
            "dropout", "embedding", "lstm", "gelu", "tanh", "sigmoid", "exp",
            "log", "transpose", "reshape"]


def dl_mutants(text, rng, count):
    """Up to `count` distinct mutants of .dl `text`, as (label, text)."""
    lines = text.split("\n")
    stmts = [i for i, l in enumerate(lines)
             if re.match(r"\s*(let|output|param|input|loss|optimizer)\b", l)]
    ints = [m for m in re.finditer(r"(?<![\w.])\d+(?![\w.])", text)]
    ops = []
    ops += [("int %s->%s" % (m.group(), v), text[:m.start()] + v + text[m.end():])
            for m in ints for v in ("0", "1", "-1", "2147483648")]
    for key, values in [("axis", ["7", "-9"]), ("kernel_size", ["99", "0"]),
                        ("pool_size", ["99"]), ("strides", ["0", "[0, 1]"]),
                        ("rate", ["1.0", "-1"]), ("epsilon", ["0", "-1"]),
                        ("learning_rate", ["-1", "0"]), ("padding", ["-2", "\"full\""]),
                        ("num_heads", ["0"]), ("output_dim", ["0"])]:
        for m in re.finditer(r"\b%s\s*=\s*(\[[^\]]*\]|[^,)\s]+)" % key, text):
            for v in values:
                ops.append(("%s=%s" % (key, v),
                            text[:m.start(1)] + v + text[m.end(1):]))
    for i in stmts:
        ops.append(("delete line %d" % (i + 1),
                    "\n".join(lines[:i] + lines[i + 1:])))
        ops.append(("duplicate line %d" % (i + 1),
                    "\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])))
    for m in re.finditer(r"\b(%s)\(" % "|".join(BUILTINS), text):
        other = rng.choice([b for b in BUILTINS if b != m.group(1)])
        ops.append(("%s->%s" % (m.group(1), other),
                    text[:m.start(1)] + other + text[m.end(1):]))
    rng.shuffle(ops)
    return ops[:count]


def mlir_mutants(text, rng, count):
    """Mutants of a dl module's text: dims in types, dim names, attributes,
    deleted ops."""
    lines = text.split("\n")
    ops = []
    for m in re.finditer(r"(?<=[<x])(\d+)(?=x)", text):
        for v in ("0", "1", "2147483648"):
            ops.append(("type dim %s->%s" % (m.group(), v),
                        text[:m.start()] + v + text[m.end():]))
    for m in re.finditer(r'dl\.dims = \[("[a-z]+")', text):
        ops.append(("dim name->nope", text[:m.start(1)] + '"nope"' + text[m.end(1):]))
    for m in re.finditer(r"\b(axis|axes|kernel|strides|padding|perm) = (\[[^\]]*\]|-?\d+)", text):
        for v in ("[9]", "-7", "[0, 0]", "[0, 0, 0, 0]"):
            ops.append(("%s = %s" % (m.group(1), v),
                        text[:m.start(2)] + v + text[m.end(2):]))
    for i, l in enumerate(lines):
        if re.match(r"\s*%\S+ = dl\.", l):
            ops.append(("delete op line %d" % (i + 1),
                        "\n".join(lines[:i] + lines[i + 1:])))
    rng.shuffle(ops)
    return ops[:count]


def compile_one(dlc, path):
    """Runs `dlc compile path`; returns None if it ended acceptably, else why."""
    out = os.path.splitext(path)[0] + ".o"
    try:
        run = subprocess.run([dlc, "compile", path, "-o", out], capture_output=True,
                             text=True, errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timed out after %d s" % TIMEOUT
    text = run.stdout + run.stderr
    if run.returncode < 0:
        return "killed by signal %d: %s" % (-run.returncode, text[-400:])
    bad = [f for f in FORBIDDEN if f in text]
    if bad:
        return "printed %r: %s" % (bad[0], text[-600:])
    if run.returncode == 0:
        return None if os.path.exists(out) else "exit 0 but no object"
    if run.returncode != 1:
        return "exit %d: %s" % (run.returncode, text[-400:])
    if not LOCATED.search(text):
        return "an error without a location: %s" % text[-400:]
    if os.path.exists(out):
        return "failed but wrote an object"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlc")
    ap.add_argument("examples")
    ap.add_argument("work")
    ap.add_argument("--count", type=int, default=12, help="mutants per example and form")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DLC_MUTATION_SEED", "1")))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.work, exist_ok=True)
    models = sorted(os.path.join(d, f) for d, _, fs in os.walk(args.examples)
                    for f in fs if f.endswith(".dl"))
    jobs = []
    for model in models:
        stem = os.path.splitext(os.path.basename(model))[0]
        text = open(model).read()
        for k, (label, mutant) in enumerate(dl_mutants(text, rng, args.count)):
            path = os.path.join(args.work, "%s_m%d.dl" % (stem, k))
            open(path, "w").write(mutant)
            jobs.append((path, label))
        emitted = subprocess.run([args.dlc, "--emit=dl", model], capture_output=True,
                                 text=True, timeout=TIMEOUT)
        if emitted.returncode != 0:
            print("FAIL %s: --emit=dl of the example failed: %s" % (model, emitted.stderr))
            return 1
        for k, (label, mutant) in enumerate(mlir_mutants(emitted.stdout, rng, args.count)):
            path = os.path.join(args.work, "%s_r%d.mlir" % (stem, k))
            open(path, "w").write(mutant)
            jobs.append((path, label))
    print("seed %d: %d mutants of %d examples" % (args.seed, len(jobs), len(models)))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = pool.map(lambda j: (j, compile_one(args.dlc, j[0])), jobs)
        for (path, label), why in results:
            if why is None:
                passed += 1
            else:
                failed += 1
                print("FAIL %s (%s): %s" % (os.path.basename(path), label, why))
    print("mutation campaign: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
