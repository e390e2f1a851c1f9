#!/usr/bin/env bash
# Reproduces bench/RESULTS.md: sets up and builds dlc as scripts/test.sh does
# (apt-get what is missing, including libopenblas0-pthread so that PyTorch's
# baseline is OpenBLAS, not the reference BLAS), then runs bench/run.py and
# appends its tables, with the date and the machine, to bench/RESULTS.md.
#
#   bench/run.sh                 build, run, append
#   bench/run.sh --no-append     build and run only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DLC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
APPEND=--append-results
if [ "${1:-}" = "--no-append" ]; then
  APPEND=
fi
exec /usr/bin/python3 "$ROOT/bench/run.py" --dlc "$BUILD/bin/dlc" \
  --work "$BUILD/bench" $APPEND
