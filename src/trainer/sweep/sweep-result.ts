// The result of a sampler sweep, as saved to JSON and reopened by the app: the protocol card shared by every cell,
// the grid, the images, and one cell per setting with its metrics, timing, NFE, image-grid PNGs and best-cell marks.
import { higherIsBetter } from '../../shared/metrics'
import type { EvalCard } from '../eval/eval-card'
import type { SigmaInterval, SweepGrid } from './grid'

export const SWEEP_FORMAT = 'flowmo-sweep'
export const SWEEP_VERSION = 1

/** A reconstruction or original in the image grid: a PNG file relative to `imagesDir`, or the PNG itself in base64. */
export type ImageRef = { readonly file: string } | { readonly png: string }

/** The eval card without a single sampler: what every cell shares; `cellCard` gives one cell's full EvalCard. */
export interface SweepCard extends Omit<EvalCard, 'sampler'> {
  readonly sampler: {
    readonly seed: number // each image starts every cell from the same noise, keyed as `noise` says
    readonly noise: string // how z0 is drawn per image (sample/noise.ts NOISE_METHODS)
  }
}

/** How a cell's timeMsPerImage is measured. */
export const TIMING_NOTE = 'time per image: decoder wall time of the cell over its images, after one untimed warm-up decode before the first cell; encoding (once per image) is outside it'

export interface SweepImage {
  readonly index: number // position in the sorted, limited image list (seeds its noise only with noise 'index')
  readonly path: string
  readonly original?: ImageRef // only for images in the grid
}

export interface SweepCell {
  readonly steps: number
  readonly rho: number
  readonly cfg: number
  readonly interval: SigmaInterval // EDM σ, as given; null = guidance at every step
  readonly schedule: string // e.g. 'pow_0.25'
  readonly cfgIntervalT: readonly [number, number] | null // the interval in flow time, as the sampler applies it
  readonly nfe: number // decoder calls per image (CFG steps cost two)
  readonly timeMsPerImage: number // sampling wall time per image (the code is encoded once, outside this; see TIMING_NOTE)
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_alex, lpips_vgg, fid, kid: the ones that ran
  readonly perImage: Readonly<Record<string, readonly number[]>> // psnr, ssim, lpips_<net>: one value per image
  readonly best: readonly string[] // metrics in which this cell is the best cell
  readonly images: readonly (ImageRef & { readonly index: number })[] // reconstructions for the image grid
}

export interface BestCell {
  readonly cell: number // index into `cells`; the first cell on a tie
  readonly value: number
}

export interface SweepResult {
  readonly format: typeof SWEEP_FORMAT
  readonly version: typeof SWEEP_VERSION
  readonly protocol: SweepCard
  readonly grid: SweepGrid
  readonly images: readonly SweepImage[]
  readonly imagesDir: string | null // where the grid's PNG files are (absolute); null when inline or none
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run (weights missing, set too small)
  readonly best: Readonly<Record<string, BestCell>> // metric → best cell
  readonly timing: { readonly encodeMsPerImage: number; readonly totalMs: number; readonly note?: string } // note: TIMING_NOTE (absent in older files)
  readonly cells: readonly SweepCell[]
}

/** The best cell per metric (the first on a tie); NaN values never win. */
export function bestCells(cells: readonly Pick<SweepCell, 'metrics'>[]): Record<string, BestCell> {
  const best: Record<string, BestCell> = {}
  cells.forEach((cell, index) => {
    for (const [metric, value] of Object.entries(cell.metrics)) {
      const current = best[metric]
      if (Number.isNaN(value)) continue
      const better = current === undefined || (higherIsBetter(metric) ? value > current.value : value < current.value)
      if (better) best[metric] = { cell: index, value }
    }
  })
  return best
}

/** Marks each cell with the metrics it is best in. */
export function markBest<C extends Pick<SweepCell, 'metrics'>>(cells: readonly C[]): { cells: (C & { best: string[] })[]; best: Record<string, BestCell> } {
  const best = bestCells(cells)
  const marked = cells.map((cell, index) => ({ ...cell, best: Object.keys(best).filter((m) => best[m].cell === index) }))
  return { cells: marked, best }
}

/** One cell's full protocol card: the shared card with this cell's sampler, diffable against a `flowmo eval` report. */
export function cellCard(result: Pick<SweepResult, 'protocol'>, cell: SweepCell): EvalCard {
  const interval = cell.interval === null ? null : `(${cell.interval[0]},${cell.interval[1]})`
  return {
    ...result.protocol,
    sampler: {
      steps: cell.steps, rho: cell.rho, cfg: cell.cfg, cfgInterval: cell.cfgIntervalT,
      seed: result.protocol.sampler.seed, noise: result.protocol.sampler.noise, schedule: cell.schedule, cfgIntervalSigma: interval,
    },
  }
}

/** JSON with ±Infinity as the strings "Infinity"/"-Infinity" (an exact reconstruction has PSNR ∞); loadSweep reads them back. */
export const sweepJson = (result: SweepResult): string =>
  `${JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v), 2)}\n`
