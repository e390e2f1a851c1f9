#!/usr/bin/env bash
# Compares the code two dlc builds generate: for every model in examples/
# and test/E2E/Inputs/, and for op_tests.py's module of every op (forward
# and gradient entries), at --target=host and --target=x86-64-avx2, the
# object and the header must be byte-identical, and so must --emit=halide
# once Halide's counter-numbered names (t270, closure_arg$18) are folded
# by first appearance. A refactoring that means to keep the generated code
# runs this against the dlc built before it:
#
#   cp build/bin/dlc /tmp/dlc-before      # before the change
#   scripts/compare-codegen.sh /tmp/dlc-before build/bin/dlc
#
# Exits 1 and lists what differs, 0 when everything is the same.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD="$1" NEW="$2"
WORK="${3:-$(mktemp -d -t dlc-compare.XXXXXX)}"
PY=/usr/bin/python3
mkdir -p "$WORK/src"
"$PY" "$ROOT/test/E2E/op_tests.py" --module-only "$NEW" "$WORK/src/ops" >/dev/null
models=("$WORK/src/ops/ops.mlir")
for m in "$ROOT"/examples/*/*.dl "$ROOT"/test/E2E/Inputs/*.dl "$ROOT"/test/E2E/Inputs/*.mlir; do
  models+=("$m")
done

fold() { # Halide's process-wide counters, renumbered by first appearance per name
  "$PY" -c '
import re, sys
seen, count = {}, {}
def canon(m):
    k = m.group(0)
    if k not in seen:
        base = m.group(1) or m.group(2)
        count[base] = count.get(base, 0) + 1
        seen[k] = "%s#%d" % (base, count[base])
    return seen[k]
sys.stdout.write(re.sub(r"\b(t)[0-9]+\b|\b([A-Za-z_][A-Za-z0-9_]*\$)[0-9]+\b", canon, sys.stdin.read()))'
}

differ=0 same=0
for m in "${models[@]}"; do
  name=$(basename "$m"); name=${name%.*}
  for target in host x86-64-avx2; do
    for which in old new; do
      dlc=$OLD; [ $which = new ] && dlc=$NEW
      d="$WORK/$which/$name-$target"; mkdir -p "$d"
      # Models that are meant not to compile must fail the same way.
      "$dlc" compile "$m" --target=$target -o "$d/m.o" >"$d/compile.log" 2>&1 || echo "exit $?" >>"$d/compile.log"
      sed -i "s|$WORK/[a-z]*/|WORK/|g" "$d/compile.log"
      "$dlc" "$m" --target=$target --emit=halide 2>&1 | fold >"$d/halide.txt" || true
    done
    for f in compile.log m.o m.h halide.txt; do
      a="$WORK/old/$name-$target/$f" b="$WORK/new/$name-$target/$f"
      [ -e "$a" ] || [ -e "$b" ] || continue
      if cmp -s "$a" "$b"; then same=$((same + 1)); else
        echo "DIFFERS: $name --target=$target $f ($a $b)"; differ=$((differ + 1)); fi
    done
  done
done
echo "compare-codegen: ${#models[@]} models x 2 targets: $same files the same, $differ differ (in $WORK)"
[ $differ = 0 ]
