// How the sweep views group cells: one curve per ρ (and per CFG scale / guidance interval when those axes vary),
// x = Euler steps; labels for settings and metrics, number formats, and uPlot's aligned data.
import { schemeTableau10 } from 'd3-scale-chromatic'
import type { SweepCellReport } from '../../../../shared/protocol'

export interface Series {
  readonly key: string
  readonly label: string // e.g. "ρ 4" or "ρ 4 · CFG 1.5"
  readonly colour: string
  readonly cells: readonly number[] // indices into the cell list, ascending steps
}

/** Which axes besides steps and ρ take more than one value among these cells. */
export interface Varies {
  readonly cfg: boolean
  readonly interval: boolean
}

type Cell = SweepCellReport | null

export const intervalText = (interval: SweepCellReport['interval']): string => (interval ? `σ ∈ [${interval[0]}, ${interval[1]}]` : 'guided at every step')

export function variesOf(cells: readonly Cell[]): Varies {
  const present = cells.filter((c): c is SweepCellReport => c !== null)
  return {
    cfg: new Set(present.map((c) => c.cfg)).size > 1,
    interval: new Set(present.map((c) => JSON.stringify(c.interval))).size > 1,
  }
}

/** The curve a cell belongs to, as a label: ρ, plus CFG scale and interval where they vary. */
export function seriesLabel(cell: SweepCellReport, varies: Varies): string {
  return [`ρ ${cell.rho}`, varies.cfg ? `CFG ${cell.cfg}` : '', varies.interval ? intervalText(cell.interval) : ''].filter(Boolean).join(' · ')
}

/** A cell's whole setting, e.g. "steps 25, ρ 4". */
export const settingText = (cell: SweepCellReport, varies: Varies): string => `steps ${cell.steps}, ${seriesLabel(cell, varies).replaceAll(' · ', ', ')}`

export function seriesOf(cells: readonly Cell[]): Series[] {
  const varies = variesOf(cells)
  const groups = new Map<string, number[]>()
  cells.forEach((cell, i) => {
    if (!cell) return
    const key = seriesLabel(cell, varies)
    groups.set(key, [...(groups.get(key) ?? []), i])
  })
  return [...groups].map(([key, indices], n) => ({
    key, label: key, colour: schemeTableau10[n % schemeTableau10.length],
    cells: [...indices].sort((a, b) => cells[a]!.steps - cells[b]!.steps),
  }))
}

/** The distinct step counts of the cells, ascending: the charts' x values. */
export const stepsOf = (cells: readonly Cell[]): number[] => [...new Set(cells.flatMap((c) => (c ? [c.steps] : [])))].sort((a, b) => a - b)

/** uPlot data: [steps, one y list per series] with null where a series has no cell (yet) or no finite value. */
export function alignedData(cells: readonly Cell[], series: readonly Series[], value: (c: SweepCellReport) => number | undefined): (number | null)[][] {
  const xs = stepsOf(cells)
  const ys = series.map((s) =>
    xs.map((steps) => {
      const v = s.cells.map((i) => cells[i]!).find((c) => c.steps === steps)
      const y = v ? value(v) : undefined
      return y !== undefined && Number.isFinite(y) ? y : null
    }),
  )
  return [xs, ...ys]
}

const METRICS: Record<string, { label: string; digits: number }> = {
  psnr: { label: 'PSNR (dB)', digits: 2 },
  ssim: { label: 'SSIM', digits: 4 },
  lpips_alex: { label: 'LPIPS (AlexNet)', digits: 4 },
  lpips_vgg: { label: 'LPIPS (VGG)', digits: 4 },
  fid: { label: 'FID', digits: 2 },
  kid: { label: 'KID', digits: 5 },
  fid_proxy: { label: 'FID (proxy)', digits: 2 },
  kid_proxy: { label: 'KID (proxy)', digits: 5 },
}

export const metricLabel = (metric: string): string => METRICS[metric]?.label ?? metric

export function formatMetric(metric: string, v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : String(v)
  return v.toFixed(METRICS[metric]?.digits ?? 4)
}

/** The metrics any cell has, in the order of METRICS, unknown ones last. */
export function metricsOf(cells: readonly Cell[]): string[] {
  const names = new Set(cells.flatMap((c) => (c ? Object.keys(c.metrics) : [])))
  const order = Object.keys(METRICS)
  const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length)
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}
