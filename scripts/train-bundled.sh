#!/usr/bin/env bash
# The bundled model (resources/models/photo-64.safetensors; docs/training.md "The bundled model"): every command,
# in order. Stage 1A of the photo-64 preset on the onnxruntime engine over train-64 plus scaled crops of train-256
# (--augment), then Stage 1B (tfjs: the 8-step chain with the proxy perceptual term), then the float16 inference
# bundle and its evaluation on val-64 (never trained on). Each stage resumes where it stopped: rerun the script.
# Usage: scripts/train-bundled.sh [runs-dir]   (env: PHOTOS, MINUTES_1A, STEPS_1A, MINUTES_1B, STEPS_1B, FLOWMO_THREADS)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs}
PHOTOS=${PHOTOS:-../shared/data/photos}
MINUTES_1A=${MINUTES_1A:-600}  # wall-clock limit of Stage 1A; SIGINT writes a checkpoint, a rerun continues it
STEPS_1A=${STEPS_1A:-100000}
MINUTES_1B=${MINUTES_1B:-120}
STEPS_1B=${STEPS_1B:-300}
export FLOWMO_THREADS=${FLOWMO_THREADS:-2}

# one training folder: the 64 px photos as they are, the 256 px ones as a source of scaled crops
mkdir -p "$RUNS/bundled-data"
ln -sfn "$(realpath "$PHOTOS/train-64")" "$RUNS/bundled-data/train-64"
ln -sfn "$(realpath "$PHOTOS/train-256")" "$RUNS/bundled-data/train-256"
common=(--data "$RUNS/bundled-data" --val "$PHOTOS/val-64" --log-every 10 --val-images 16 --keep-last 2 --augment)
resume_or() { if ls "$1"/checkpoints/step-*.safetensors >/dev/null 2>&1; then echo --resume; else shift; echo "$@"; fi; }

# Stage 1A: flow + LFQ losses, no perceptual term (the onnxruntime engine has none; CPU time goes to the tokenizer)
rc=0
# shellcheck disable=SC2046
timeout --signal=INT --kill-after=600 "$((MINUTES_1A * 60))" \
  npx flowmo train "${common[@]}" --out "$RUNS/photo64-1a" --preset photo-64 $(resume_or "$RUNS/photo64-1a") \
  --stage 1a --batch 8 --lr 3e-4 --max-steps "$STEPS_1A" --checkpoint-every 250 --keep-every 2000 \
  --sample-every 500 --val-every 500 --perceptual none --engine onnxruntime || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 130 ]; then exit "$rc"; fi # 124/130: time limit / Ctrl-C

last=$(ls "$RUNS"/photo64-1a/checkpoints/step-*.safetensors | grep -v optim | sort | tail -n 1)
echo "stage 1B from $last"

# Stage 1B: encoder frozen, the proxy perceptual distance on an 8-step chain sample, lr 5e-5 (reference spec §3.3)
rc=0
# shellcheck disable=SC2046
timeout --signal=INT --kill-after=600 "$((MINUTES_1B * 60))" \
  npx flowmo train "${common[@]}" --out "$RUNS/photo64-1b" --preset photo-64 $(resume_or "$RUNS/photo64-1b" --init "$last") \
  --stage 1b --batch 4 --max-steps "$STEPS_1B" --checkpoint-every 25 --sample-every 50 --val-every 50 \
  --perceptual proxy --chain-steps 8 || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 130 ]; then exit "$rc"; fi

final=$(ls "$RUNS"/photo64-1b/checkpoints/step-*.safetensors | grep -v optim | sort | tail -n 1)
npx tsx scripts/bundle-model.ts "$final" resources/models/photo-64.safetensors raw \
  "photo-64: Stage 1A $(basename "$last" .safetensors) + Stage 1B $(basename "$final" .safetensors), scripts/train-bundled.sh"
npx flowmo eval --checkpoint resources/models/photo-64.safetensors --data "$PHOTOS/val-64" --metrics psnr,ssim \
  --json "$RUNS/bundled-eval.json"
