// The terminal summary of a sweep (`flowmo sweep`): one row per cell with its setting, NFE, time per image and
// metrics, the best cell per metric starred, then the metrics that did not run and why.
import type { SweepResult } from './sweep-result'

const interval = (i: readonly [number, number] | null): string => (i === null ? 'all' : `${i[0]},${i[1]}`)

export function formatSweep(result: SweepResult): string {
  const metrics = [...new Set(result.cells.flatMap((c) => Object.keys(c.metrics)))]
  const header = ['steps', 'rho', 'cfg', 'interval', 'nfe', 'ms/img', ...metrics]
  const rows = result.cells.map((c) => [
    String(c.steps), String(c.rho), String(c.cfg), interval(c.interval), String(c.nfe), c.timeMsPerImage.toFixed(1),
    ...metrics.map((m) => (m in c.metrics ? `${c.metrics[m].toFixed(4)}${c.best.includes(m) ? '*' : ' '}` : '-')),
  ])
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)))
  const line = (r: string[]) => r.map((v, k) => v.padStart(widths[k])).join('  ')
  const notes = Object.entries(result.unavailable).map(([m, why]) => `not computed: ${m}: ${why}`)
  const inference = `${result.protocol.inference.path} (${result.protocol.backend})`
  return [line(header), ...rows.map(line), '* best cell per metric', `inference: ${inference}; ${result.images.length} images, seed ${result.protocol.sampler.seed}`, ...notes].join('\n')
}
