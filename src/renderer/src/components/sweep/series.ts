// How the sweep views group cells: one curve per ρ (and per CFG scale / guidance interval when those axes vary),
// x = Euler steps; labels for settings, the metrics present, and uPlot's aligned data.
import { schemeTableau10 } from 'd3-scale-chromatic'
import { sortMetrics } from '../../../../shared/metrics'
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

/** The metrics any cell has, in the registry's order (src/shared/metrics.ts), unknown ones last. */
export const metricsOf = (cells: readonly Cell[]): string[] => sortMetrics(cells.flatMap((c) => (c ? Object.keys(c.metrics) : [])))
