#!/usr/bin/env bash
# Two dlc builds side by side: the MLP's train step at batch 32 and the
# CNN's train step and forward at batch 64, 1 thread, alternating the two
# builds for ROUNDS rounds (each cell a run's median us per call).
#   bench/ab.sh OLD_DLC NEW_DLC [ROUNDS]
# e.g. an old commit built in a worktree:
#   git worktree add /tmp/old REV && cmake -G Ninja -S /tmp/old -B /tmp/old/build \
#     -DCMAKE_BUILD_TYPE=Release && ninja -C /tmp/old/build dlc
#   bench/ab.sh /tmp/old/build/bin/dlc build/bin/dlc
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD="$1" NEW="$2" ROUNDS="${3:-3}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
for v in old new; do
  D=$OLD; [ $v = new ] && D=$NEW
  mkdir -p "$W/$v"
  for m in mlp cnn; do
    "$D" compile "$ROOT/examples/fashion_mnist/$m.dl" -o "$W/$v/fashion_$m.o"
    cc -O2 -DMODEL=fashion_$m -I"$W/$v" "$ROOT/bench/bench_forward.c" "$W/$v/fashion_$m.o" \
      -lpthread -ldl -lm -o "$W/$v/bench_$m"
  done
done
lscpu | grep -E "Model name" || true
for r in $(seq 1 "$ROUNDS"); do
  for v in old new; do
    a=$(HL_NUM_THREADS=1 "$W/$v/bench_mlp" train 32 3000)
    b=$(HL_NUM_THREADS=1 "$W/$v/bench_cnn" train 64 15)
    c=$(HL_NUM_THREADS=1 "$W/$v/bench_cnn" forward 64 30)
    echo "round $r $v: mlp train b32 ${a#median_us } | cnn train b64 ${b#median_us } | cnn forward b64 ${c#median_us }"
  done
done
