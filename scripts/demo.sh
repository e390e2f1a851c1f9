#!/usr/bin/env bash
# The main job: build dlc, compile examples/fashion_mnist/mlp.dl into one
# object + C header and train it in C on the real Fashion-MNIST training set
# with the train_step dlc generated (5 epochs, batch 32), printing loss,
# speed and test accuracy per epoch. Then link the C classifier, load
# weights trained in PyTorch (safetensors) and compare predictions, and
# compile, link and run every other example.
#
#   scripts/demo.sh          the above
#   scripts/demo.sh --cnn    also train the CNN (examples/fashion_mnist/cnn.dl)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DLC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
DLC="$BUILD/bin/dlc"
WORK="$BUILD/demo"
mkdir -p "$WORK"
THREADS="$(nproc)"
export OPENBLAS_NUM_THREADS="$THREADS" HL_NUM_THREADS="$THREADS"

echo "== dlc compile examples/fashion_mnist/mlp.dl"
"$DLC" --emit=summary "$ROOT/examples/fashion_mnist/mlp.dl"
"$DLC" compile "$ROOT/examples/fashion_mnist/mlp.dl" -o "$WORK/fashion_mlp.o"
echo "   wrote $WORK/fashion_mlp.o and fashion_mlp.h"

echo "== cc train.c fashion_mlp.o -lpthread -ldl -lm; ./train --epochs 5 --batch 32"
cc -O2 -I"$WORK" "$ROOT/examples/fashion_mnist/train.c" "$WORK/fashion_mlp.o" \
  -lpthread -ldl -lm -o "$WORK/train"
"$WORK/train" --epochs 5 --batch 32 --save "$WORK/mlp-checkpoint.safetensors"

if [ "${1:-}" = "--cnn" ]; then
  echo "== dlc compile examples/fashion_mnist/cnn.dl; train 5 epochs, batch 64"
  "$DLC" compile "$ROOT/examples/fashion_mnist/cnn.dl" -o "$WORK/fashion_cnn.o"
  cc -O2 -DMODEL=fashion_cnn -I"$WORK" "$ROOT/examples/fashion_mnist/train.c" \
    "$WORK/fashion_cnn.o" -lpthread -ldl -lm -o "$WORK/train_cnn"
  "$WORK/train_cnn" --epochs 5 --batch 64
fi

echo "== cc classify.c fashion_mlp.o -lpthread -ldl -lm"
cc -O2 -I"$WORK" "$ROOT/examples/fashion_mnist/classify.c" "$WORK/fashion_mlp.o" \
  -lpthread -ldl -lm -o "$WORK/classify"

if [ ! -f "$WORK/weights.safetensors" ] || [ ! -f "$WORK/reference.u8" ]; then
  echo "== training the same MLP in PyTorch (5 epochs, $THREADS threads)"
  /usr/bin/python3 "$ROOT/examples/fashion_mnist/train_mlp.py" "$WORK" \
    --epochs 5 --threads "$THREADS" | tee "$WORK/torch.txt"
else
  echo "== reusing the PyTorch weights in $WORK (delete them to retrain)"
  cat "$WORK/torch.txt"
fi

echo "== ./classify weights.safetensors reference.u8"
"$WORK/classify" "$WORK/weights.safetensors" "$WORK/reference.u8"

echo "== every other example: compile, link, run"
/usr/bin/python3 "$ROOT/test/E2E/run_examples.py" "$DLC" "$ROOT/examples" "$WORK/examples"
