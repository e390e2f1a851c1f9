#!/usr/bin/python3
"""Compiles every examples/*/*.dl, links it into a C program generated from
its header and runs the forward pass at two batch sizes with random
parameters (seeded) and inputs; fails unless each run succeeds and every
output is finite. Numbers op by op are checked by op_tests.py.

Usage: run_examples.py DLC EXAMPLES_DIR WORK_DIR [--cc CC]
"""
import argparse
import glob
import os
import re
import subprocess
import sys

DRIVER = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "%HEADER%"

int main(int argc, char **argv) {
  %P%_model *m = NULL;
  if (%P%_create(&m, 123) != DLC_OK) { puts(%P%_last_error(NULL)); return 1; }
  int64_t n = atoll(argv[1]);
%BODY%
  %P%_destroy(m);
  return 0;
}
"""


def driver(prefix, header_text, header_name):
    decl = re.search(r"int32_t %s_forward\((.*?)\);" % prefix, header_text, re.S).group(1)
    params = [p.strip() for p in decl.split(",")][1:]
    body, call = [], [f"{prefix}_forward(m"]
    count = "1"
    outputs = []
    for i, p in enumerate(params):
        m = re.match(r"(const )?(\w+) (\*?)(\w+)", p)
        const, ctype, ptr, name = m.groups()
        if not ptr:  # a run-time dim: every symbol gets n
            body.append(f"  int64_t {name} = n;")
            count += f" * {name}"
            call.append(name)
            continue
        # Up to 4096 elements per batch item covers every example.
        size = f"(size_t)({count}) * 4096"
        body.append(f"  {ctype} *{name} = calloc({size}, sizeof({ctype}));")
        if const:
            val = "(float)((i * 37) % 101) / 101.0f" if ctype == "float" else "(i * 7) % 5"
            body.append(f"  for (size_t i = 0; i < {size}; ++i) {name}[i] = {val};")
        else:
            outputs.append((name, size, ctype))
        call.append(name)
    body.append("  int32_t rc = " + ", ".join(call) + ");")
    body.append(f'  if (rc != DLC_OK) {{ printf("error: %s\\n", {prefix}_last_error(m)); return 1; }}')
    for name, size, ctype in outputs:
        body.append(f"  for (size_t i = 0; i < {size}; ++i) if (!isfinite((double){name}[i])) {{"
                    f' printf("%s[%zu] is not finite\\n", "{name}", i); return 1; }}')
    body.append(f'  printf("{prefix} ok at %lld\\n", (long long)n);')
    return (DRIVER.replace("%HEADER%", header_name).replace("%P%", prefix)
            .replace("%BODY%", "\n".join(body)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlc")
    ap.add_argument("examples")
    ap.add_argument("work")
    ap.add_argument("--cc", default="cc")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    for src in sorted(glob.glob(os.path.join(args.examples, "*", "*.dl"))):
        stem = os.path.splitext(os.path.basename(src))[0]
        obj = os.path.join(args.work, stem + ".o")
        subprocess.run([args.dlc, "compile", src, "-o", obj], check=True)
        header = os.path.join(args.work, stem + ".h")
        text = open(header).read()
        prefix = re.search(r"typedef struct (\w+)_model ", text).group(1)
        c = os.path.join(args.work, stem + "_main.c")
        with open(c, "w") as f:
            f.write(driver(prefix, text, stem + ".h"))
        exe = os.path.join(args.work, stem)
        subprocess.run([args.cc, "-I", args.work, c, obj, "-lpthread", "-ldl", "-lm",
                        "-o", exe], check=True)
        for n in ("1", "3"):
            run = subprocess.run([exe, n], capture_output=True, text=True)
            print(run.stdout.strip() or run.stderr.strip())
            failures += run.returncode != 0
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
