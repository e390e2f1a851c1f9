#!/usr/bin/env python3
"""Checks the tree's layout rules (docs/architecture.md): no source file in
lib/ include/ runtime/ tools/ over 800 lines, no function over 200 lines.

A function is a definition that starts at column 0 (free functions and
out-of-line members, the form this tree uses) or at column 2 inside a class
(inline members), and ends at the matching closing brace. Prints each
violation and exits 1 if there is any.

Usage: check-layout.py ROOT [--max-file N] [--max-function N]
"""
import argparse, os, re, sys

EXTS = (".cpp", ".h", ".c", ".td", ".inc")
NOT_FUNCTION = re.compile(r"^\s*(namespace|struct|class|enum|union|extern|typedef|#|//|/\*|\*)")


def functions(lines):
    """(name, first line, length) of each brace-delimited definition."""
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^( {0,2})\S.*\)\s*(const\s*)?(override\s*)?(->\s*[\w:<>]+\s*)?\{\s*$", line)
        if m and not NOT_FUNCTION.match(line) and not line.lstrip().startswith(("if", "for", "while", "switch", "else", "do")):
            indent = m.group(1)
            j = i + 1
            while j < len(lines) and not re.match("^" + indent + r"\}", lines[j]):
                j += 1
            yield line.strip()[:60], i + 1, j - i + 1
            i = j + 1
            continue
        i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--max-file", type=int, default=800)
    ap.add_argument("--max-function", type=int, default=200)
    args = ap.parse_args()
    bad = 0
    for top in ("lib", "include", "runtime", "tools"):
        for dirpath, _, files in os.walk(os.path.join(args.root, top)):
            for f in sorted(files):
                if not f.endswith(EXTS):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, args.root)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().split("\n")
                if len(lines) > args.max_file:
                    print(f"{rel}: {len(lines)} lines (at most {args.max_file})")
                    bad += 1
                if f.endswith(".td"):
                    continue
                for name, start, length in functions(lines):
                    if length > args.max_function:
                        print(f"{rel}:{start}: function of {length} lines "
                              f"(at most {args.max_function}): {name}")
                        bad += 1
    print(f"check-layout: {bad} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
