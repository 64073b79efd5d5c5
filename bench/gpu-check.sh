#!/usr/bin/env bash
# The GPU check, in one command on a machine with a GPU: `bash bench/gpu-check.sh [out.json]` (default
# bench/results/gpu-check.json). Collects: `flowmo info --device webgpu` (and cuda), the webgpu parity tests, decoder
# calls of bench-tiny64, small-128 and FlowMo-Lo at batch 1 and 4 on webgpu (and cpu for the small presets), one
# onnxruntime training step of bench-tiny64 on webgpu. GPU_CHECK_PRESETS narrows the decoder rows (e.g.
# "bench-tiny64 small-128" leaves FlowMo-Lo out). Each part runs on even if another fails; the JSON says which did.
set -u
cd "$(dirname "$0")/.."
out="${1:-bench/results/gpu-check.json}"
parts="$(mktemp -d)"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}" # Mesa's and some drivers' Vulkan loaders want one
export BENCH_CKPT_DIR="$parts/checkpoints" # a preset's random checkpoint is written once for every device
presets="${GPU_CHECK_PRESETS:-bench-tiny64 small-128 flowmo-lo}"

# part NAME COMMAND…: stdout's last line (JSON) or the text, exit status and seconds into $parts/NAME.json
part() {
  local name="$1"; shift
  echo "== $name: $*" >&2
  local start=$SECONDS
  "$@" >"$parts/$name.out" 2>"$parts/$name.err"
  local rc=$?
  node -e '
    const fs = require("fs"); const [name, rc, secs, dir] = process.argv.slice(1)
    const out = fs.readFileSync(`${dir}/${name}.out`, "utf8").trim(), err = fs.readFileSync(`${dir}/${name}.err`, "utf8").trim()
    let result = null; try { result = JSON.parse(out.split("\n").pop()) } catch { result = out.split("\n").slice(-40).join("\n") }
    fs.writeFileSync(`${dir}/${name}.json`, JSON.stringify({ name, ok: rc === "0", exit: Number(rc), seconds: Number(secs), result, stderr_tail: err.split("\n").slice(-8).join("\n") }))
  ' "$name" "$rc" "$((SECONDS - start))" "$parts"
  echo "   exit $rc in $((SECONDS - start)) s" >&2
}

part info-webgpu npx flowmo info --device webgpu
part info-cuda npx flowmo info --device cuda
part parity-webgpu npx vitest run test/trainer/export/ort-webgpu.test.ts test/trainer/train/ort-step-webgpu.test.ts test/trainer/train/ort-run-device.test.ts test/trainer/stage2/ort-generator-step-webgpu.test.ts
for p in $presets; do
  part "decoder-$p-webgpu" npx tsx bench/decoder-call.ts "$p" webgpu 1,4
  [ "$p" = flowmo-lo ] || part "decoder-$p-cpu" npx tsx bench/decoder-call.ts "$p" cpu 1,4
done
part train-step-bench-tiny64-webgpu npx tsx bench/ort-train-step.ts bench-tiny64 webgpu 8

mkdir -p "$(dirname "$out")"
node -e '
  const fs = require("fs"); const os = require("os"); const [dir, out] = process.argv.slice(1)
  const parts = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")))
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: os.totalmem() / 1e9 }, parts }, null, 2) + "\n")
  for (const p of parts) console.error(`${p.ok ? "ok  " : "FAIL"} ${p.name} (${p.seconds} s)`)
' "$parts" "$out"
echo "wrote $out" >&2
rm -rf "$parts"
