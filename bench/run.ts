// `npm run bench`: our train step, reconstruction and one decoder call on tfjs and on onnxruntime, side by side with
// the PyTorch implementation in ../shared/bench (same configs, same machine, same run) when /usr/bin/python3 has torch.
// Writes bench/results/latest.json (raw timings + ratios ours ÷ PyTorch) and prints a markdown table.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeSafetensors } from '../src/trainer/checkpoint/safetensors'
import { preset } from '../src/trainer/model/configs'
import { FlowMo } from '../src/trainer/model/flowmo'
import { initWeights } from '../src/trainer/model/init'
import { initBackend } from '../src/trainer/backend'
import type { OpSpec } from './op'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const torchScript = resolve(root, '..', 'shared', 'bench', 'torch_flowmo_bench.py')
const pick = <T extends readonly unknown[]>(all: T[], env: string | undefined) => (env ? all.filter((a) => env.split(',').includes(String(a[0]))) : all)
// BENCH_PRESETS=bench-tiny64 and BENCH_OPS=decode_nfe,reconstruct narrow a run; BENCH_RUNS sets the timed runs (5)
const PRESETS = pick<[string, string]>([['bench-tiny64', 'tiny64'], ['small-128', 'small128']], process.env.BENCH_PRESETS)
const OPS = pick<[OpSpec['op'], number]>([['train_step', 8], ['train_step_1b', 8], ['reconstruct', 4], ['decode_nfe', 4]], process.env.BENCH_OPS).map(([op, batch]) => ({ op, batch }))
const ORT_ONLY: readonly string[] = ['train_step_1b'] // no PyTorch twin in ../shared/bench, no tfjs row (minutes per step)
const runs = Number(process.env.BENCH_RUNS ?? 5)
// BENCH_TFJS_SKIP=small-128,bench-tiny64:train_step leaves tfjs out for those presets or preset:op pairs (minutes per
// reconstruction on 2 cores; a batch-8 train step of bench-tiny64 outgrows tfjs-wasm's memory)
const tfjsSkip = (process.env.BENCH_TFJS_SKIP ?? '').split(',').filter(Boolean)
// BENCH_FULL_SIZE=flowmo-lo,flowmo-hi adds full-size rows (one decoder call at batch 1, export + load time, peak RSS)
// on cpu and on webgpu when Dawn finds a hardware adapter (BENCH_DEVICES=cpu,webgpu names them): minutes and ~9 GB each
const fullSize = (process.env.BENCH_FULL_SIZE ?? '').split(',').filter(Boolean)

interface Row { impl: string; preset: string; op: string; path?: string; median_ms: number; min_ms: number; max_ms: number; peak_rss_mb?: number; nfe?: number; export_and_load_ms?: number; error?: string }

/** bench/decoder-call.ts in its own process (its peak RSS is the row's): a random checkpoint of `name`'s exact state dict. */
function fullSizeRow(name: string, device: string, ckptDir: string): Row {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'decoder-call.ts'), name, device, '1'], { encoding: 'utf8', cwd: root, timeout: 3_600_000, env: { ...process.env, BENCH_CKPT_DIR: ckptDir } })
  const base = { impl: 'flowmo-studio', preset: name, op: 'full_size_decoder_call', path: `onnxruntime-${device}` }
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { calls: { median_ms: number; min_ms: number; max_ms: number }[]; export_and_load_ms: number; peak_rss_mb: number }
    return { ...base, ...j.calls[0], export_and_load_ms: j.export_and_load_ms, peak_rss_mb: Math.round(j.peak_rss_mb) }
  } catch {
    return { ...base, median_ms: NaN, min_ms: NaN, max_ms: NaN, error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') }
  }
}

async function fullSizeDevices(): Promise<string[]> {
  if (process.env.BENCH_DEVICES) return process.env.BENCH_DEVICES.split(',')
  const { resolveDevice } = await import('../src/trainer/export/ort-device')
  return (await resolveDevice('auto')) === 'webgpu' ? ['cpu', 'webgpu'] : ['cpu']
}

async function freshCheckpoint(name: string, dir: string): Promise<string> {
  const config = preset(name)
  const weights = initWeights(new FlowMo(config), 0)
  const tensors = [...weights].map(([n, v]) => ({ name: n, shape: [...v.shape], dtype: 'F32' as const, data: v.dataSync() as Float32Array }))
  weights.forEach((v) => v.dispose())
  const path = join(dir, `${name}.safetensors`)
  await writeSafetensors(path, tensors, { config: JSON.stringify(config) })
  return path
}

function ours(spec: OpSpec): Row {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'op.ts'), JSON.stringify(spec)], { encoding: 'utf8', cwd: root, timeout: 3_600_000 })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line) as Row
  } catch {
    return { impl: 'flowmo-studio', preset: spec.preset, op: spec.op, path: spec.path, median_ms: NaN, min_ms: NaN, max_ms: NaN, error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') }
  }
}

function torchAvailable(): string | null {
  try {
    return execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

/** The BLAS Debian's torch will load: the reference BLAS (package libblas3) makes it ~20× slower than OpenBLAS. */
function torchBlas(): string {
  try {
    const lib = realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3')
    if (!lib.includes('openblas')) console.error(`warning: torch will use ${lib}, not OpenBLAS; install libopenblas0-pthread for a fair comparison`)
    return lib
  } catch {
    return 'unknown'
  }
}

/** One PyTorch op in its own process, run by bench/peak-rss.py: its row gets that process's peak RSS (wait4's ru_maxrss). */
function torchRow(torchPreset: string, op: string): Row {
  const args = [join(root, 'bench', 'peak-rss.py'), '/usr/bin/python3', torchScript, '--preset', torchPreset, '--op', op, '--runs', String(runs)]
  const lines = execFileSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 3_600_000 }).trim().split('\n').filter((l) => l.startsWith('{'))
  const [row, rss] = [lines.find((l) => l.includes('"impl"')), lines.at(-1)].map((l) => JSON.parse(l ?? '{}') as Partial<Row>)
  if (!row || !rss?.peak_rss_mb) throw new Error(`${torchScript} --op ${op} printed no result`)
  return { ...(row as Row), impl: 'torch', peak_rss_mb: rss.peak_rss_mb }
}

const best = (rows: Row[], p: string, op: string) =>
  rows.filter((r) => r.impl === 'flowmo-studio' && r.preset === p && r.op === op && Number.isFinite(r.median_ms)).sort((a, b) => a.median_ms - b.median_ms)[0]

await initBackend('cpu')
const dir = mkdtempSync(join(tmpdir(), 'flowmo-bench-'))
const torchVersion = torchAvailable()
const rows: Row[] = []
for (const [name, torchName] of PRESETS) {
  const checkpoint = await freshCheckpoint(name, dir)
  if (torchVersion) rows.push(...OPS.filter(({ op }) => !ORT_ONLY.includes(op)).map(({ op }) => ({ ...torchRow(torchName, op), preset: name })))
  for (const { op, batch } of OPS) {
    for (const path of ['tfjs', 'onnxruntime'] as const) {
      if (path === 'tfjs' && (ORT_ONLY.includes(op) || tfjsSkip.includes(name) || tfjsSkip.includes(`${name}:${op}`))) continue
      const row = ours({ preset: name, op, path, batch, runs, warmup: 1, checkpoint })
      rows.push(row)
      console.error(`${name} ${op} ${path}: ${row.error ?? `${row.median_ms.toFixed(1)} ms`}`)
    }
  }
}

if (fullSize.length) {
  const devices = await fullSizeDevices()
  for (const name of fullSize) {
    for (const device of devices) {
      const row = fullSizeRow(name, device, dir) // the checkpoint is written once per preset
      rows.push(row)
      console.error(`${name} full-size decoder call on ${device}: ${row.error ?? `${row.median_ms.toFixed(0)} ms, export + load ${row.export_and_load_ms!.toFixed(0)} ms, peak RSS ${row.peak_rss_mb} MB`}`)
    }
  }
}

const ratio = (p: string, op: string) => {
  const o = best(rows, p, op)
  const t = rows.find((r) => r.impl === 'torch' && r.preset === p && r.op === op)
  return o && t ? o.median_ms / t.median_ms : null
}
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, torch: torchVersion, torchBlas: torchVersion ? torchBlas() : null },
  runs,
  ratios: { reconstruct_vs_torch: ratio('bench-tiny64', 'reconstruct'), train_step_vs_torch: ratio('bench-tiny64', 'train_step') },
  ratios_by_preset: Object.fromEntries(PRESETS.map(([p]) => [p, Object.fromEntries(OPS.map(({ op }) => [op, ratio(p, op)]))])),
  rows,
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true })
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(result, null, 2) + '\n')
console.log('| preset | op | PyTorch ms | tfjs ms | onnxruntime ms | best ÷ PyTorch | peak RSS MB (PyTorch / tfjs / ort) |')
console.log('|---|---|---|---|---|---|---|')
for (const [p] of PRESETS) {
  for (const { op } of OPS) {
    const get = (impl: string, path?: string) => rows.find((r) => r.impl === impl && r.preset === p && r.op === op && (!path || r.path === path))
    const fmt = (r?: Row) => (r && Number.isFinite(r.median_ms) ? r.median_ms.toFixed(1) : '–')
    const rr = ratio(p, op)
    console.log(`| ${p} | ${op} | ${fmt(get('torch'))} | ${fmt(get('flowmo-studio', 'tfjs'))} | ${fmt(get('flowmo-studio', 'onnxruntime'))} | ${rr === null ? '–' : rr.toFixed(2)} | ${get('torch')?.peak_rss_mb ?? '–'} / ${get('flowmo-studio', 'tfjs')?.peak_rss_mb ?? '–'} / ${get('flowmo-studio', 'onnxruntime')?.peak_rss_mb ?? '–'} |`)
  }
}
for (const r of rows.filter((r) => r.op === 'full_size_decoder_call')) {
  console.log(`| ${r.preset} | decoder call, batch 1, ${r.path} | – | – | ${r.error ? 'failed' : r.median_ms.toFixed(0)} | – | export + load ${r.export_and_load_ms?.toFixed(0) ?? '–'} ms; peak RSS ${r.peak_rss_mb ?? '–'} MB |`)
}
console.log(`\nwrote bench/results/latest.json (ratios: ${JSON.stringify(result.ratios)})`)
