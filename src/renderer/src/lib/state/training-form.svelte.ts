// The start form's fields (kept across section switches) and the RunRequest they make. An empty number field
// leaves the engine's default (src/trainer/train/run-options.ts defaultRunOptions, shown as placeholders).
import type { RunRequest, RunStage } from '../../../../shared/protocol'

/** Presets of src/trainer/model/configs.ts small enough to train on a CPU; the reference sizes need a GPU machine. */
export const LOCAL_PRESETS = [
  { name: 'tiny-64', note: '64 px, 64 × 12 bits, 15 M parameters: minutes on a CPU' },
  { name: 'bench-tiny64', note: '64 px, patch 4: ~5× the compute of tiny-64' },
  { name: 'small-128', note: '128 px, 128 × 18 bits' },
] as const

/** defaultRunOptions(stage) as placeholders. */
export function engineDefaults(stage: RunStage) {
  return {
    maxSteps: 1000, batchSize: 8, lr: stage === '1a' ? 1e-4 : 5e-5, logEvery: 10, sampleEvery: 500, valEvery: 500, checkpointEvery: 500,
    perceptualWeight: stage === '1a' ? 0.1 : 0.01,
  }
}

export type NumberField = keyof ReturnType<typeof engineDefaults>
export type Perceptual = NonNullable<RunRequest['perceptual']>

export class TrainingForm {
  data = $state('')
  val = $state('')
  out = $state('')
  model = $state<'preset' | 'config'>('preset')
  preset = $state<string>(LOCAL_PRESETS[0].name)
  config = $state('')
  stage = $state<RunStage>('1a')
  init = $state('')
  engine = $state<'tfjs' | 'onnxruntime'>('tfjs')
  perceptual = $state<Perceptual>('proxy')
  weightsDir = $state('')
  numbers = $state<Record<NumberField, string>>({
    maxSteps: '', batchSize: '', lr: '', logEvery: '', sampleEvery: '', valEvery: '', checkpointEvery: '', perceptualWeight: '',
  })

  readonly defaults = $derived(engineDefaults(this.stage))

  /** What is missing or malformed before the engine is asked; empty when the form can be sent. */
  readonly problems = $derived(this.check())

  request(): RunRequest {
    const numbers = Object.fromEntries(
      Object.entries(this.numbers).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, Number(v)]),
    ) as Partial<Record<NumberField, number>>
    const optional = (v: string) => (v.trim() === '' ? undefined : v.trim())
    return {
      data: this.data.trim(), val: optional(this.val), out: this.out.trim(), stage: this.stage, engine: this.engine,
      ...(this.model === 'preset' ? { preset: this.preset } : { config: this.config.trim() }),
      init: optional(this.init), perceptual: this.perceptual, weightsDir: optional(this.weightsDir), ...numbers,
    }
  }

  private check(): string[] {
    const problems: string[] = []
    if (!this.data.trim()) problems.push('choose the training image folder')
    if (!this.out.trim()) problems.push('choose the run folder')
    if (this.model === 'config' && !this.config.trim()) problems.push('choose a config file or a preset')
    if (this.engine === 'onnxruntime' && this.stage === '1b') problems.push('onnxruntime trains Stage 1A only: pick tfjs for Stage 1B')
    if (this.engine === 'onnxruntime' && this.perceptual !== 'none') problems.push('onnxruntime has no perceptual term: set the perceptual loss to none')
    for (const [k, v] of Object.entries(this.numbers)) {
      const n = Number(v)
      if (v.trim() !== '' && (!Number.isFinite(n) || n < 0)) problems.push(`${k} must be a non-negative number`)
    }
    return problems
  }
}

export const trainingForm = new TrainingForm()
