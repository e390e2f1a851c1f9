#!/usr/bin/env bash
# Shared set-up for demo.sh and test.sh: installs what is missing from
# Debian 12, configures and builds dlc (ccache, incremental). Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DLC_BUILD_DIR:-$ROOT/build}"

# clang-19 compiles dlc's runtime to bitcode; python3-torch (with OpenBLAS,
# not the reference BLAS) is the numerical oracle of the tests and the
# baseline of the benchmarks; dataset-fashion-mnist is the demo's real data;
# libclang-rt-19-dev has the sanitizer and libFuzzer runtimes (scripts/fuzz.sh).
PACKAGES=(cmake ninja-build gcc g++ ccache gzip python3 python3-numpy
          llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools clang-19
          libhalide14-0-dev nlohmann-json3-dev libgtest-dev
          zlib1g-dev libzstd-dev
          python3-torch libopenblas0-pthread dataset-fashion-mnist
          libclang-rt-19-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout in ccache's keys: a clone in another folder
# (CI's) reuses what this machine compiled before.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}" CCACHE_NOHASHDIR=1
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    -DDLC_WERROR="${DLC_WERROR:-OFF}" \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
fi
cmake --build "$BUILD" -j "${DLC_JOBS:-2}"
