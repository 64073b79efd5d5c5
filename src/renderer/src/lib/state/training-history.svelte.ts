// A run folder's history as the dashboard's series (metrics.jsonl records in the names docs/training.md lists), and
// the request that resumes it rebuilt from run.json's options (the run's config then comes from run.json itself).
import type { RunHistory, RunRequest, RunStage } from '../../../../shared/protocol'
import type { StepRow, ValidationRow } from './training-run.svelte'

export interface ParsedHistory {
  readonly metrics: StepRow[]
  readonly validation: ValidationRow[]
  readonly bitBalance: readonly number[] | null
  readonly maxSteps: number | null
  readonly elapsedS: number | null
  readonly stage: RunStage | null
}

const LOSSES = ['flow_loss', 'quantizer_loss', 'perceptual_loss', 'total_loss'] as const

/** RunRequest keys that run.json's options carry under the same names. */
const RESUMED_OPTIONS = [
  'val', 'stage', 'maxSteps', 'batchSize', 'gradAccumulation', 'lr', 'seed', 'logEvery', 'sampleEvery', 'valEvery', 'checkpointEvery',
  'keepLast', 'keepEvery', 'valImages', 'evalWeights', 'freezeEncoderAfter', 'timeDistribution', 'chainSteps', 'perceptual',
  'perceptualWeight', 'weightsDir', 'allowPerceptualFallback', 'engine', 'augment',
] as const

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

export function parseHistory(h: RunHistory): ParsedHistory {
  const metrics: StepRow[] = []
  const validation: ValidationRow[] = []
  let bitBalance: number[] | null = null
  let elapsedS: number | null = null
  for (const m of h.metrics) {
    const step = num(m.step)
    if (step === null) continue
    if (num(m.flow_loss) !== null) {
      const losses = Object.fromEntries(LOSSES.map((k) => [k, num(m[k]) ?? Number.NaN]))
      metrics.push({ step, losses, lr: num(m.lr) ?? Number.NaN })
      elapsedS = num(m.elapsed_s) ?? elapsedS
    }
    if (num(m.val_psnr) !== null) {
      validation.push({ step, psnr: num(m.val_psnr)!, ssim: num(m.val_ssim) ?? Number.NaN, baselinePsnr: num(m.val_baseline_psnr) ?? Number.NaN })
      if (Array.isArray(m.bit_balance)) bitBalance = m.bit_balance.map(Number)
    }
  }
  const options = runOptions(h.run)
  const stage = options?.stage === '1a' || options?.stage === '1b' ? options.stage : null
  return { metrics: lastPerStep(metrics), validation: lastPerStep(validation), bitBalance, maxSteps: num(options?.maxSteps), elapsedS, stage }
}

/** A resume request for the folder from run.json's options; null when run.json lacks the data folder. */
export function requestFromRunJson(run: unknown, dir: string): RunRequest | null {
  const options = runOptions(run)
  if (!options || typeof options.data !== 'string') return null
  const picked = Object.fromEntries(RESUMED_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]))
  return { ...picked, data: options.data, out: dir } as RunRequest
}

/** 100 for …/checkpoints/step-000100.safetensors. */
export function stepOfCheckpoint(path: string): number | null {
  const match = /step-(\d+)\.safetensors$/.exec(path)
  return match ? Number(match[1]) : null
}

function runOptions(run: unknown): Record<string, unknown> | null {
  const options = (run as { options?: unknown } | null)?.options
  return typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : null
}

/** Sorted by step, the last record of a step winning (a resumed run re-logs the steps after its checkpoint). */
function lastPerStep<R extends { step: number }>(rows: R[]): R[] {
  return [...new Map(rows.map((r) => [r.step, r])).values()].sort((a, b) => a.step - b.step)
}
