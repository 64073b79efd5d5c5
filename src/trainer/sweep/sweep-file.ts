// Saving and reopening a sweep's JSON: atomic write, and a validating reader that names the first field that is
// wrong (the file may be hand-edited, truncated or from another program), so the app never renders a broken result.
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../atomic-file'
import { gridSettings, type SweepGrid } from './grid'
import { bestCells, SWEEP_FORMAT, SWEEP_VERSION, sweepJson, type SweepResult } from './sweep-result'

export class SweepFileError extends Error {
  override readonly name = 'SweepFileError'
}

export async function writeSweep(path: string, result: SweepResult): Promise<void> {
  await writeFileAtomic(path, sweepJson(result))
}

export async function loadSweep(path: string): Promise<SweepResult> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'), (_, v) => (v === 'Infinity' || v === '-Infinity' ? Number(v) : v))
  } catch (e) {
    throw new SweepFileError(`sweep file ${path}: ${(e as Error).message}`)
  }
  const problem = sweepProblem(value)
  if (problem) throw new SweepFileError(`sweep file ${path}: ${problem}`)
  return value as SweepResult
}

type Rec = Record<string, unknown>
const isRecord = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v)
const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v)
const isInterval = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length === 2 && v.every(isNumber))
const isImageRef = (v: unknown): boolean => isRecord(v) && (typeof v.file === 'string' || typeof v.png === 'string')

/** The first thing wrong with a parsed sweep file, or null when it is a valid SweepResult. */
export function sweepProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'not a JSON object'
  if (v.format !== SWEEP_FORMAT) return `format must be "${SWEEP_FORMAT}", got ${JSON.stringify(v.format)}`
  if (v.version !== SWEEP_VERSION) return `version ${JSON.stringify(v.version)} is not supported (this build reads ${SWEEP_VERSION})`
  if (!isRecord(v.protocol) || !isRecord(v.protocol.sampler) || !isNumber(v.protocol.sampler.seed)) return 'protocol.sampler.seed is missing'
  if (!isRecord(v.protocol.dataset) || !isNumber(v.protocol.dataset.nImages)) return 'protocol.dataset.nImages is missing'
  const gridProblem = checkGrid(v.grid)
  if (gridProblem) return gridProblem
  if (!Array.isArray(v.images) || v.images.length !== v.protocol.dataset.nImages) return 'images must list protocol.dataset.nImages entries'
  const badImage = v.images.findIndex((im: unknown) => !isRecord(im) || !isNumber(im.index) || typeof im.path !== 'string' || (im.original !== undefined && !isImageRef(im.original)))
  if (badImage >= 0) return `images[${badImage}] needs index, path and an optional original {file} or {png}`
  if (!isRecord(v.unavailable) || !isRecord(v.timing) || !isRecord(v.best)) return 'unavailable, timing and best must be objects'
  if (!(v.imagesDir === null || typeof v.imagesDir === 'string')) return 'imagesDir must be a string or null'
  return checkCells(v.cells, v.grid as unknown as SweepGrid, v.images.length) ?? checkBest(v.best, v.cells as Rec[])
}

function checkGrid(grid: unknown): string | null {
  if (!isRecord(grid)) return 'grid is missing'
  for (const axis of ['steps', 'rho', 'cfg'] as const) {
    const values = grid[axis]
    if (!Array.isArray(values) || values.length === 0 || !values.every(isNumber)) return `grid.${axis} must be a non-empty list of numbers`
  }
  if (!Array.isArray(grid.interval) || grid.interval.length === 0 || !grid.interval.every(isInterval)) return 'grid.interval must be a non-empty list of [lo, hi] or null'
  return null
}

function checkCells(cells: unknown, grid: SweepGrid, nImages: number): string | null {
  const settings = gridSettings(grid)
  if (!Array.isArray(cells) || cells.length !== settings.length) return `cells must hold one cell per grid setting (${settings.length})`
  for (let i = 0; i < cells.length; i++) {
    const problem = checkCell(cells[i], nImages)
    if (problem) return `cells[${i}].${problem}`
    const c = cells[i] as Rec
    const s = settings[i]
    if (c.steps !== s.steps || c.rho !== s.rho || c.cfg !== s.cfg || JSON.stringify(c.interval) !== JSON.stringify(s.interval)) {
      return `cells[${i}] is not the grid's setting ${JSON.stringify(s)} (cells follow the grid: steps, ρ, CFG, interval)`
    }
  }
  return null
}

function checkCell(c: unknown, nImages: number): string | null {
  if (!isRecord(c)) return 'is not an object'
  for (const k of ['steps', 'rho', 'cfg', 'nfe', 'timeMsPerImage'] as const) if (!isNumber(c[k])) return `${k} must be a number`
  if (!isInterval(c.interval) || !isInterval(c.cfgIntervalT)) return 'interval and cfgIntervalT must be [lo, hi] or null'
  if (typeof c.schedule !== 'string') return 'schedule must be a string'
  if (!isRecord(c.metrics)) return 'metrics must be an object'
  for (const [k, m] of Object.entries(c.metrics)) if (!isNumber(m)) return `metrics.${k} must be a number`
  if (!isRecord(c.perImage)) return 'perImage must be an object'
  for (const [k, xs] of Object.entries(c.perImage)) {
    if (!Array.isArray(xs) || xs.length !== nImages || !xs.every(isNumber)) return `perImage.${k} must hold ${nImages} numbers`
  }
  if (!Array.isArray(c.best) || !c.best.every((m) => typeof m === 'string')) return 'best must be a list of metric names'
  if (!Array.isArray(c.images) || !c.images.every((im) => isImageRef(im) && isNumber((im as Rec).index))) return 'images must be {index, file} or {index, png} entries'
  return null
}

/** The stored best marks must be the ones the metrics give (a hand-edited number would otherwise keep a stale mark). */
function checkBest(best: Rec, cells: Rec[]): string | null {
  const expected = bestCells(cells as { metrics: Record<string, number> }[])
  if (JSON.stringify(Object.keys(best).sort()) !== JSON.stringify(Object.keys(expected).sort())) return 'best must name every metric of the cells'
  for (const [metric, b] of Object.entries(expected)) {
    const stored = best[metric]
    if (!isRecord(stored) || stored.cell !== b.cell || stored.value !== b.value) return `best.${metric} does not match the cells (cell ${b.cell}, ${b.value})`
    const marks = cells.map((c, i) => [i, (c.best as string[]).includes(metric)] as const).filter(([, m]) => m)
    if (marks.length !== 1 || marks[0][0] !== b.cell) return `cells[${b.cell}].best must be the only cell marked best in ${metric}`
  }
  return null
}
