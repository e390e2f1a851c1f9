#!/usr/bin/env bash
# Builds dlc's two libFuzzer targets with clang-19 in build-fuzz/ and runs
# each for SECONDS (default 60), failing on any finding:
#   dlc-parse-fuzzer        .dl text through the parser, MLIRGen, the
#                           verifier and the dl-simplify, dl-training and
#                           dl-kernels pipelines; seeded with every .dl file
#                           in the tree and a token dictionary
#   dlc-safetensors-fuzzer  bytes into the runtime's safetensors loader
#                           (compiled natively), parameters checked unchanged
#                           after every rejected load
# dlc's own code is instrumented for coverage, ASan and UBSan, with
# assertions on and warnings as errors. Findings (crash-*, leak-*,
# timeout-*) are kept in build-fuzz/findings/ for replaying:
#   build-fuzz/bin/dlc-parse-fuzzer build-fuzz/findings/crash-...
# Usage: scripts/fuzz.sh [SECONDS]   (DLC_FUZZ_BUILD_DIR overrides the dir)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-60}"
BUILD="${DLC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}" CCACHE_NOHASHDIR=1

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DDLC_ENABLE_FUZZER=ON -DDLC_WERROR=ON \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py >/dev/null
fi
cmake --build "$BUILD" -j "${DLC_JOBS:-2}" --target dlc-parse-fuzzer dlc-safetensors-fuzzer

FINDINGS="$BUILD/findings"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$FINDINGS" "$WORK/dl" "$WORK/st"
# Seeds: every .dl in the tree, the fuzz corpus, the models inside the
# split-file tests; the loader's corpus.
i=0
while IFS= read -r f; do
  cp "$f" "$WORK/dl/seed$((i++)).dl"
done < <(cd "$ROOT" && find examples test tools -name '*.dl' -not -path '*/build*')
cp "$ROOT"/tools/dlc-safetensors-fuzzer/corpus/* "$WORK/st/"

run() {
  local name="$1" corpus="$2"; shift 2
  echo "== $name: ${SECONDS_EACH}s"
  # libFuzzer exits non-zero on a crash, a sanitizer report, a leak, an
  # input over -timeout seconds or -rss_limit_mb.
  if ! "$BUILD/bin/$name" -max_total_time="$SECONDS_EACH" -timeout=20 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$FINDINGS/" \
      "$@" "$corpus" > "$WORK/$name.log" 2>&1; then
    tail -60 "$WORK/$name.log"
    echo "FAIL: $name found a bug; the input is in $FINDINGS"
    return 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/$name.log" || true
  echo "ok   $name"
}
passed=0 failed=0
for target in parse safetensors; do
  if [ $target = parse ]; then
    run dlc-parse-fuzzer "$WORK/dl" -max_len=8192 \
      -dict="$ROOT/tools/dlc-parse-fuzzer/dl.dict" && ok=1 || ok=0
  else
    run dlc-safetensors-fuzzer "$WORK/st" -max_len=4096 \
      -dict="$ROOT/tools/dlc-safetensors-fuzzer/safetensors.dict" && ok=1 || ok=0
  fi
  if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
