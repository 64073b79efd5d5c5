// Checks one golden set end to end: the full check list with weights.safetensors, then checkpoint.pth (torch's own
// zip + pickle): its EMA state dict must equal the safetensors weights bit for bit and give the same forward pass.
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { openWeights } from '../checkpoint/checkpoint'
import { FlowMo } from '../model/flowmo'
import { disposeWeightMap, loadWeightMap } from '../model/weights'
import { GoldenChecker } from './checks'
import { loadGoldenSet } from './golden-set'
import type { CheckRow } from './tolerances'

export interface SetReport {
  folder: string // the set's folder name
  ok: boolean
  rows: CheckRow[]
  worst: CheckRow // largest relative error among the rows
}

export async function checkGoldenSet(dir: string): Promise<SetReport> {
  const set = await loadGoldenSet(dir)
  const rows: CheckRow[] = []
  const fromSafetensors = await checkWith(set, join(dir, 'weights.safetensors'), true)
  rows.push(...fromSafetensors)
  const pth = join(dir, 'checkpoint.pth')
  if (existsSync(pth)) rows.push(...(await sameWeights(set.config, pth, join(dir, 'weights.safetensors'))), ...(await checkWith(set, pth, false)))
  const worst = rows.reduce((a, b) => (b.rel > a.rel ? b : a))
  return { folder: basename(dir), ok: rows.every((r) => r.ok), rows, worst }
}

/** All checks (full) or the forward pass only, with the weights in `path`. */
async function checkWith(set: Awaited<ReturnType<typeof loadGoldenSet>>, path: string, full: boolean): Promise<CheckRow[]> {
  const weights = await openWeights(path)
  const map = await loadWeightMap(new FlowMo(set.config), weights, full).finally(() => weights.close())
  try {
    const c = new GoldenChecker(set, map)
    c.forward()
    if (full) {
      c.ropeTables()
      c.stage1a()
      c.stage1b()
      await c.sampler()
      c.weightNorm()
    }
    const tag = basename(path)
    return c.rows.map((r) => (full ? r : { ...r, tensor: `${r.tensor} [${tag}]` }))
  } finally {
    disposeWeightMap(map)
  }
}

/** The .pth's default (EMA) state dict equals the safetensors weights exactly; its raw one differs. */
async function sameWeights(config: FlowMo['config'], pthPath: string, stPath: string): Promise<CheckRow[]> {
  const [pth, st] = await Promise.all([openWeights(pthPath), openWeights(stPath)])
  try {
    let maxAbs = 0
    for (const ref of new FlowMo(config).parameters()) {
      const [a, b] = await Promise.all([pth.tensors.get(ref.name)!.read(), st.tensors.get(ref.name)!.read()])
      for (let i = 0; i < b.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]))
    }
    const tolerance = { measure: 'exact' as const, limit: 0 }
    const note = `state dict ${pth.stateDictKey}`
    return [{ tensor: `${basename(pthPath)} weights == ${basename(stPath)}`, maxAbs, maxRef: 0, rel: maxAbs, tolerance, ok: maxAbs === 0, note }]
  } finally {
    await Promise.all([pth.close(), st.close()])
  }
}

/** "tiny-a: ok, worst rel err 3.1e-6 (v)" */
export function summaryLine(r: SetReport): string {
  const failed = r.rows.filter((row) => !row.ok).map((row) => row.tensor)
  const head = r.ok ? 'ok' : `FAILED (${failed.length}: ${failed.slice(0, 4).join(', ')}${failed.length > 4 ? ', …' : ''})`
  return `${r.folder}: ${head}, worst rel err ${r.worst.rel.toExponential(1)} (${r.worst.tensor})`
}

export function rowLine(r: CheckRow): string {
  const limit = `${r.tolerance.measure} ≤ ${r.tolerance.limit.toExponential(0)}`
  return `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.tensor.padEnd(64)} max|Δ| ${r.maxAbs.toExponential(2)}  rel ${r.rel.toExponential(2)}  (${limit})${r.note ? `  ${r.note}` : ''}`
}
