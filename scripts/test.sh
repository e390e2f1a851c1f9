#!/usr/bin/env bash
# Builds dlc and runs every test (lit + GoogleTest) through ctest. Exits
# non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DLC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
cd "$BUILD"
ctest --output-on-failure -j "${DLC_JOBS:-2}"
