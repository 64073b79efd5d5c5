// The sweep form (issue 7 "Sweeps"): model, data folder, the grid axes as text with a message per bad field, image
// limits, metrics, weights folder and output JSON; `request` is the SweepRequest, or null while a field is wrong.
import type { EvalMetric, SweepRequest } from '../../../../shared/protocol'
import { CFG_RULE, intervalAxis, parseNumberList, parseSigmaInterval, RHO_RULE, STEPS_RULE, type IntervalMode } from '../../components/sweep/grid-text'
import { folderOf } from '../format'
import { inspector } from './inspector.svelte'

/** Metrics the form offers; psnr and ssim always run, the others need weight files (and FID/KID ≥ 2048 images). */
export const OPTIONAL_METRICS = ['lpips', 'fid', 'kid'] as const satisfies readonly EvalMetric[]
export type OptionalMetric = (typeof OPTIONAL_METRICS)[number]

export type SweepField = 'checkpoint' | 'data' | 'steps' | 'rho' | 'cfg' | 'interval' | 'limit' | 'gridImages' | 'out'


export class SweepFormState {
  checkpoint = $state('')
  config = $state('') // optional
  data = $state('') // image folder
  steps = $state('5, 10, 25, 50')
  rho = $state('1, 2, 4, 8')
  cfg = $state('') // empty: the model's scale
  intervalMode = $state<IntervalMode>('model')
  sigma = $state('0.17, 1.02')
  limit = $state<number | null>(16) // first N images; null = all
  gridImages = $state<number | null>(4) // images kept per cell for the image grid
  seed = $state(0)
  metrics = $state<Record<OptionalMetric, boolean>>({ lpips: false, fid: false, kid: false })
  weightsDir = $state('')
  out = $state('') // optional .json path

  readonly axes = $derived({
    steps: parseNumberList(this.steps, STEPS_RULE),
    rho: parseNumberList(this.rho, RHO_RULE),
    cfg: parseNumberList(this.cfg, CFG_RULE),
    sigma: this.intervalMode === 'interval' || this.intervalMode === 'both' ? parseSigmaInterval(this.sigma) : { value: null, error: '' },
  })

  readonly errors = $derived.by((): Partial<Record<SweepField, string>> => {
    const e: Partial<Record<SweepField, string>> = {}
    if (!this.checkpoint.trim()) e.checkpoint = 'choose a checkpoint'
    if (!this.data.trim()) e.data = 'choose an image folder'
    for (const axis of ['steps', 'rho', 'cfg'] as const) if (this.axes[axis].error) e[axis] = this.axes[axis].error
    if (this.axes.sigma.error) e.interval = this.axes.sigma.error
    if (this.limit !== null && !(Number.isInteger(this.limit) && this.limit >= 1)) e.limit = 'a whole number ≥ 1, or empty for all'
    if (this.gridImages !== null && !(Number.isInteger(this.gridImages) && this.gridImages >= 0 && this.gridImages <= 64)) e.gridImages = '0–64'
    if (this.out.trim() && !/\.json$/i.test(this.out.trim())) e.out = 'a .json file'
    return e
  })

  /** Cells the grid will have (axes left to the model count once). */
  readonly cellCount = $derived(
    Math.max(1, this.axes.steps.values.length) * Math.max(1, this.axes.rho.values.length) * Math.max(1, this.axes.cfg.values.length) *
      (this.intervalMode === 'both' ? 2 : 1),
  )

  get request(): SweepRequest | null {
    if (Object.keys(this.errors).length > 0) return null
    const optional = (text: string) => text.trim() || undefined
    const metrics: EvalMetric[] = ['psnr', 'ssim', ...OPTIONAL_METRICS.filter((m) => this.metrics[m])]
    return {
      model: { checkpoint: this.checkpoint.trim(), config: optional(this.config) },
      data: this.data.trim(),
      grid: {
        steps: this.axes.steps.values,
        rho: this.axes.rho.values,
        cfg: this.axes.cfg.values.length ? this.axes.cfg.values : undefined,
        interval: intervalAxis(this.intervalMode, this.axes.sigma.value),
      },
      limit: this.limit ?? undefined,
      gridImages: this.gridImages ?? undefined,
      seed: this.seed,
      metrics,
      weightsDir: optional(this.weightsDir),
      out: optional(this.out),
    }
  }

  /** Empty fields start from the inspector: its open model and the folder of its first open image. */
  fillDefaults(): void {
    const source = inspector.modelSource
    if (!this.checkpoint && source) {
      this.checkpoint = source.path
      this.config = source.config ?? ''
    }
    const image = inspector.imagePaths[0]
    if (!this.data && image) this.data = folderOf(image)
  }
}
