// Where an onnxruntime Stage-1A step's time goes: `npx tsx bench/ort-step-profile.ts <preset> [batch=8] [threads=1]
// [steps=3]` runs the step of bench/ort-train-step.ts (seeded weights, one fixed batch) with onnxruntime's profiler
// on, one warm-up step and `steps` profiled ones, and prints markdown tables of kernel time per step by op type and by
// part of the step (forward, backward, the flat state's slicing and gradient Concat, Adam + projection).
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../src/trainer/backend'
import { preset } from '../src/trainer/model/configs'
import { FlowMo } from '../src/trainer/model/flowmo'
import { initWeights } from '../src/trainer/model/init'
import { buildTrainGraph } from '../src/trainer/export/grad/train-graph'
import { ADAM_DEFAULTS } from '../src/trainer/train/optim'
import { OrtTrainStep } from '../src/trainer/train/ort-step'

interface ProfileEvent { cat: string; name: string; dur: number; args: { op_name?: string } }

const [presetName, batchArg = '8', threadsArg = '1', stepsArg = '3'] = process.argv.slice(2)
if (!presetName) throw new Error('usage: bench/ort-step-profile.ts <preset> [batch] [threads] [steps]')
const [B, steps] = [Number(batchArg), Number(stepsArg)]
await initBackend('cpu')
const config = preset(presetName)
const S = config.imageSize
const tfWeights = initWeights(new FlowMo(config), 0)
const weights = new Map([...tfWeights].map(([n, v]) => [n, v.dataSync() as Float32Array]))
const prefix = join(tmpdir(), `flowmo-step-profile-${process.pid}`)
const step = await OrtTrainStep.create(config, weights, {
  batch: B, device: 'cpu', intraOpNumThreads: Number(threadsArg), tuning: { enableProfiling: true, profileFilePrefix: prefix },
})
tfWeights.forEach((v) => v.dispose())
const image = (k: number) => Float32Array.from({ length: B * 3 * S * S }, (_, i) => Math.sin(i * k) * 0.9)
const batch = { x: image(0.37), eps: image(1.13), t: Float32Array.from({ length: B }, (_, i) => (i + 0.5) / B), keep: new Float32Array(B).fill(1) }
const wall: number[] = []
for (let i = 0; i <= steps; i++) {
  const t0 = performance.now()
  await step.step(batch, 1e-4)
  wall.push(performance.now() - t0)
}
await step.release() // writes the profile
const file = readdirSync(tmpdir()).filter((f) => f.startsWith(`flowmo-step-profile-${process.pid}`)).map((f) => join(tmpdir(), f))[0]
if (!file) throw new Error(`onnxruntime wrote no profile at ${prefix}*`)
const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[]
rmSync(file)

// the node order of the same graph (the names are deterministic) tells forward, backward and update apart
const { model, layout } = buildTrainGraph(config, { batch: B, adam: ADAM_DEFAULTS })
const nodes = model.graph.nodes
const lossEnd = nodes.findIndex((n) => n.opType === 'Identity') // the loss outputs close the forward
const gradConcat = nodes.findIndex((n) => n.opType === 'Concat' && n.inputs.length === layout.entries.length)
const index = new Map(nodes.map((n, i) => [n.name, i]))
const partOf = (node: string): string => {
  const i = index.get(node.split('/')[0]) // a fused node keeps its first node's name before the '/'
  if (i === undefined) return 'other (nodes onnxruntime made)'
  if (nodes[i].inputs[0] === 'params') return 'flat state: parameter slices (one Split)'
  if (i < lossEnd) return 'forward + loss'
  if (i < gradConcat) return 'backward'
  return i === gradConcat ? 'flat state: gradient Concat' : 'Adam + weight-norm projection over [P]'
}

const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(1) // without the warm-up
const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
const timed = kernels.slice(kernels.length - (kernels.length / (steps + 1)) * steps) // the profiled steps' kernels
const byOp = new Map<string, number>()
const byPart = new Map<string, number>()
for (const e of timed) {
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + e.dur / 1000 / steps)
  add(byOp, e.args.op_name ?? '?')
  add(byPart, partOf(e.name.slice(0, -'_kernel_time'.length)))
}
const total = [...byOp.values()].reduce((a, b) => a + b, 0)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const table = (title: string, m: Map<string, number>, limit: number) => {
  console.log(`\n| ${title} | ms per step | share |\n|---|---|---|`)
  const rows = [...m].sort((a, b) => b[1] - a[1])
  for (const [k, ms] of rows.slice(0, limit)) console.log(`| ${k} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)} % |`)
  const rest = rows.slice(limit).reduce((a, [, ms]) => a + ms, 0)
  if (rest > 0) console.log(`| ${rows.length - limit} other op types | ${rest.toFixed(1)} | ${((100 * rest) / total).toFixed(1)} % |`)
}
console.log(`${presetName}, batch ${B}, ${threadsArg === '0' ? 'all' : threadsArg} intra-op thread(s), ${steps} profiled steps after a warm-up (P = ${layout.size})`)
console.log(`step ${median(wall.slice(1)).toFixed(0)} ms (median, JS call), of it onnxruntime's run ${median(runs.map((r) => r.dur / 1000)).toFixed(0)} ms, kernels ${total.toFixed(0)} ms`)
table('op type', byOp, 14)
table('part of the step', byPart, 10)
