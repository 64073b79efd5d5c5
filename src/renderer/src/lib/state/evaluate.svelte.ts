// The Evaluate section's document (issue 16): the eval form, the last result (report + per-image rows), the table's
// order, and the diff of two saved reports. Survives switching sections.
import type { EvalMetric, EvalReportDiff, EvaluateRequest, EvaluateResult } from '../../../../shared/protocol'
import type { RowOrder } from '../../components/eval/eval-rows'
import { describeError, engine } from '../engine'
import { InspectorDefaults } from './inspector-defaults'
import { jobs } from './jobs.svelte'

export const EVAL_METRICS: readonly EvalMetric[] = ['psnr', 'ssim', 'lpips', 'fid', 'kid', 'fid-proxy', 'kid-proxy']

export interface EvalForm {
  checkpoint: string
  config: string // optional
  data: string // image folder
  n: string // first N images; blank = all
  metrics: Record<string, boolean>
  weightsDir: string // optional: LPIPS / FID weight files
  out: string // optional: report.json and per-image.csv go here
  seed: number
}

export class EvaluateState {
  form = $state<EvalForm>({ checkpoint: '', config: '', data: '', n: '8', metrics: { psnr: true, ssim: true }, weightsDir: '', out: '', seed: 0 })
  result = $state.raw<EvaluateResult | null>(null)
  error = $state('')
  order = $state<RowOrder>({ by: 'psnr', worstFirst: true })
  diffPaths = $state({ a: '', b: '' })
  diff = $state.raw<EvalReportDiff | null>(null)
  diffError = $state('')
  private readonly defaults = new InspectorDefaults()

  /** The inspector's model and its first image's folder (inspector-defaults.ts). */
  fillDefaults(): void {
    this.defaults.fillModelAndFolder(this.form)
  }

  async run(): Promise<void> {
    this.error = ''
    try {
      const request = this.request()
      this.result = await jobs.run<EvaluateResult>('evaluate', () => engine.evaluate(request))
      this.order = { by: 'psnr' in this.result.metrics ? 'psnr' : 'index', worstFirst: true }
      if (request.out) this.offerForDiff(`${request.out.replace(/[/\\]$/, '')}/report.json`)
    } catch (e) {
      this.error = describeError(e)
    }
  }

  /** A report just saved becomes diff side A, or B when A holds another one. */
  private offerForDiff(report: string): void {
    if (!this.diffPaths.a) this.diffPaths.a = report
    else if (!this.diffPaths.b && this.diffPaths.a !== report) this.diffPaths.b = report
  }

  /** Sorts by `by`, worst first; the same column again flips the order. */
  sortBy(by: string): void {
    this.order = { by, worstFirst: this.order.by === by ? !this.order.worstFirst : true }
  }

  async runDiff(): Promise<void> {
    this.diffError = ''
    this.diff = null
    const { a, b } = this.diffPaths
    if (!a.trim() || !b.trim()) return void (this.diffError = 'give two saved report.json files')
    try {
      this.diff = await engine.diffEvalReports({ a: a.trim(), b: b.trim() })
    } catch (e) {
      this.diffError = describeError(e)
    }
  }

  private request(): EvaluateRequest {
    const f = $state.snapshot(this.form)
    if (!f.checkpoint.trim()) throw new Error('give a checkpoint')
    if (!f.data.trim()) throw new Error('give an image folder')
    const n = f.n.trim() ? Number(f.n) : undefined
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new Error(`N must be a whole number ≥ 1, not "${f.n}"`)
    const metrics = EVAL_METRICS.filter((m) => f.metrics[m])
    if (!metrics.length) throw new Error('choose at least one metric')
    return {
      model: { checkpoint: f.checkpoint.trim(), ...(f.config.trim() && { config: f.config.trim() }) },
      data: f.data.trim(), metrics, seed: f.seed,
      ...(n !== undefined && { n }),
      ...(f.weightsDir.trim() && { weightsDir: f.weightsDir.trim() }),
      ...(f.out.trim() && { out: f.out.trim() }),
    }
  }
}

export const evaluation = new EvaluateState()
