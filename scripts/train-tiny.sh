#!/usr/bin/env bash
# The "it learns" recipe (docs/training.md): Stage 1A of the tiny-64 preset on the real photos for at most
# TRAIN_MINUTES (default 30) on the CPU, then a short Stage 1B from its last checkpoint, with validation before/after.
# Usage: scripts/train-tiny.sh [runs-dir]    (env: DATA, VAL, TRAIN_MINUTES, STEPS_1A, STEPS_1B, FLOWMO_THREADS)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs}
DATA=${DATA:-../shared/data/photos/train-64}
VAL=${VAL:-../shared/data/photos/val-64}
TRAIN_MINUTES=${TRAIN_MINUTES:-25}
STEPS_1A=${STEPS_1A:-100000}   # the time limit ends Stage 1A; SIGINT makes it write a final checkpoint
STEPS_1B=${STEPS_1B:-10}
export FLOWMO_THREADS=${FLOWMO_THREADS:-2}

common=(--data "$DATA" --val "$VAL" --preset tiny-64 --log-every 10 --val-images 16 --keep-last 2)

# Stage 1A: the reference's loss and optimiser on the onnxruntime step graph (~7 steps/s at batch 8 on 2 cores);
# no perceptual network (that engine has none; CPU time goes to the tokenizer itself).
start=$(date +%s)
rc=0
timeout --signal=INT --kill-after=600 "$((TRAIN_MINUTES * 60))" \
  npx flowmo train "${common[@]}" --out "$RUNS/tiny64-1a" --stage 1a --batch 8 --lr 3e-4 --max-steps "$STEPS_1A" \
  --checkpoint-every 500 --sample-every 500 --val-every 500 --perceptual none --engine onnxruntime || rc=$?
# 124: the time limit stopped it (after its final checkpoint); 130: stopped by Ctrl-C
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 130 ]; then exit "$rc"; fi
echo "stage 1A wall time: $(( $(date +%s) - start )) s"

last=$(ls "$RUNS"/tiny64-1a/checkpoints/step-*.safetensors | grep -v optim | sort | tail -n 1)
echo "stage 1B from $last"

# Stage 1B: encoder frozen, perceptual distance on an 8-step chain sample (offline proxy network), lr 5e-5.
start=$(date +%s)
npx flowmo train "${common[@]}" --out "$RUNS/tiny64-1b" --stage 1b --init "$last" --batch 4 --max-steps "$STEPS_1B" \
  --checkpoint-every 5 --sample-every 5 --val-every 5 --perceptual proxy --chain-steps 8
echo "stage 1B wall time: $(( $(date +%s) - start )) s"
