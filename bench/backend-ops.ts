// Compute-backend measurements: matmul on wasm (1 and 2 threads) vs cpu, and fast-ops `linear`/`bmm` vs plain
// tf.matMul autograd on transformer-block shapes (B 8 × 320 tokens, width 256, 4 heads of 64). Median of 5 runs
// after one warm-up. Usage: `npx tsx bench/backend-ops.ts` (one child process per backend; prints a table + JSON).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../src/trainer/backend'
import { bmmWith, linear } from '../src/trainer/backends/fast-ops'

const CONFIGS = [
  { label: 'wasm 1 thread', env: { FLOWMO_BACKEND: 'wasm', FLOWMO_THREADS: '1' } },
  { label: 'wasm 2 threads', env: { FLOWMO_BACKEND: 'wasm', FLOWMO_THREADS: '2' } },
  { label: 'cpu', env: { FLOWMO_BACKEND: 'cpu' } },
]
const RUNS = 5

type Case = { name: string; run: () => tf.Tensor[] }

/** Median wall time (ms) of `run`, every output read back, after one warm-up. */
function medianMs(run: () => tf.Tensor[]): number {
  const times: number[] = []
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now()
    tf.tidy(() => run().forEach((t) => t.dataSync())) // sync point: the work must finish inside the timing
    if (i > 0) times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[RUNS >> 1]
}

/** Forward + backward of f with a random upstream gradient. */
function fwdBwd(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): () => tf.Tensor[] {
  return () => tf.grads(f)(xs, dy)
}

function cases(): Case[] {
  const r = (...shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 7)
  const [a512, b512] = [r(512, 512), r(512, 512)]
  const [x, w1024, dy1024] = [r(2560, 256), r(256, 1024), r(2560, 1024)]
  const [w, b, dy768] = [r(768, 256), r(768), r(2560, 768)]
  const [q, k, att, v, dyS, dyO] = [r(32, 320, 64), r(32, 320, 64), r(32, 320, 320), r(32, 320, 64), r(32, 320, 320), r(32, 320, 64)]
  const kT = (kk: tf.Tensor) => tf.transpose(kk, [0, 2, 1]) as tf.Tensor3D
  const [batched, split] = [bmmWith('batched'), bmmWith('split')]
  return [
    { name: 'matmul 512x512x512 fwd', run: () => [tf.matMul(a512, b512)] },
    { name: 'matmul [2560,256]x[256,1024] fwd+grad', run: fwdBwd((p, s) => tf.matMul(p, s), [x, w1024], dy1024) },
    { name: 'linear x[2560,256]·W[768,256]ᵀ+b plain', run: fwdBwd((p, s, c) => tf.add(tf.matMul(p, s, false, true), c), [x, w, b], dy768) },
    { name: 'linear x[2560,256]·W[768,256]ᵀ+b fast', run: fwdBwd((p, s, c) => linear(p as tf.Tensor2D, s as tf.Tensor2D, c as tf.Tensor1D), [x, w, b], dy768) },
    { name: 'q·kᵀ [32,320,64] plain', run: fwdBwd((p, s) => tf.matMul(p, s, false, true), [q, k], dyS) },
    { name: 'q·kᵀ [32,320,64] bmm batched', run: fwdBwd((p, s) => batched(p as tf.Tensor3D, kT(s)), [q, k], dyS) },
    { name: 'q·kᵀ [32,320,64] bmm split', run: fwdBwd((p, s) => split(p as tf.Tensor3D, kT(s)), [q, k], dyS) },
    { name: 'att·v [32,320,320]·[32,320,64] plain', run: fwdBwd((p, s) => tf.matMul(p, s), [att, v], dyO) },
    { name: 'att·v [32,320,320]·[32,320,64] bmm batched', run: fwdBwd((p, s) => batched(p as tf.Tensor3D, s as tf.Tensor3D), [att, v], dyO) },
    { name: 'att·v [32,320,320]·[32,320,64] bmm split', run: fwdBwd((p, s) => split(p as tf.Tensor3D, s as tf.Tensor3D), [att, v], dyO) },
  ]
}

async function child(): Promise<void> {
  const info = await initBackend()
  const results: Record<string, number> = {}
  for (const c of cases()) {
    results[c.name] = Number(medianMs(c.run).toFixed(1))
    console.error(`${info.name}/${info.threads}: ${c.name} ${results[c.name]} ms`) // progress
  }
  console.log(JSON.stringify({ backend: info.name, threads: info.threads, results }))
}

function parent(): void {
  const self = fileURLToPath(import.meta.url)
  const rows = CONFIGS.map(({ label, env }) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self], {
      env: { ...process.env, ...env, BENCH_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'inherit'], // progress lines pass through
    })
    const line = out.toString().trim().split('\n').pop()!
    return { label, ...(JSON.parse(line) as { backend: string; threads: number; results: Record<string, number> }) }
  })
  const names = Object.keys(rows[0].results)
  console.log(['case (ms, median of 5)', ...rows.map((r) => r.label)].join(' | '))
  for (const n of names) console.log([n, ...rows.map((r) => r.results[n])].join(' | '))
  console.log(JSON.stringify(rows))
}

if (process.env.BENCH_CHILD) await child()
else parent()
