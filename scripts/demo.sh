#!/usr/bin/env bash
# The main job, today: build dlc, then parse, type-check and lower every
# model in examples/ to verified dl IR and print its summary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
DLC="${DLC_BUILD_DIR:-$ROOT/build}/bin/dlc"
status=0
for model in "$ROOT"/examples/*/*.dl; do
  echo "== ${model#$ROOT/}"
  if ! "$DLC" --emit=summary "$model"; then
    status=1
  fi
done
exit $status
