#!/usr/bin/env bash
# Builds dlc and runs every test (lit + GoogleTest via ctest), then builds
# the two fuzz targets with clang (ASan + UBSan) and runs each for
# DLC_FUZZ_SECONDS (default 60; 0 skips them). Exits non-zero on any
# failure or fuzzer finding.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DLC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
(cd "$BUILD" && ctest --output-on-failure -j "${DLC_JOBS:-2}")
if [ "${DLC_FUZZ_SECONDS:-60}" != 0 ]; then
  "$ROOT/scripts/fuzz.sh" "${DLC_FUZZ_SECONDS:-60}"
fi
