// The start form's fields (kept across section switches) and the RunRequest they make. What it offers — presets,
// defaults shown greyed, perceptual kinds, engines and their limits — is the engine's trainingDefaults, loaded at
// module load and again once a restarted engine is ready. An empty number field leaves the engine's default.
import type { EngineInfo, PresetInfo, RunDefaults, RunEngine, RunPerceptual, RunRequest, RunStage, TrainingDefaults } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { formatCount, formatFixed } from '../format'

type NumberKeys<T> = { [K in keyof T]: T[K] extends number | null ? K : never }[keyof T]
export type NumberField = NumberKeys<RunDefaults>

/** The select's line for a preset: size, code, bits per pixel, parameters. */
export function presetLabel(p: PresetInfo): string {
  const scale = p.gpuScale ? ' · GPU-scale' : ''
  return `${p.name} — ${p.imageSize} px, ${p.tokens} × ${p.bits} bits, ${formatFixed(p.bitsPerPixel)} BPP, ${formatCount(p.parameters)} params${scale}`
}

export class TrainingForm {
  offer = $state.raw<TrainingDefaults | null>(null) // the engine's trainingDefaults
  offerError = $state('')
  data = $state('')
  val = $state('')
  out = $state('')
  model = $state<'preset' | 'config'>('preset')
  preset = $state('') // '' until the engine's presets arrive: then the first CPU-sized one
  config = $state('')
  stage = $state<RunStage>('1a')
  init = $state('')
  engine = $state<RunEngine | ''>('') // '' until the engine's defaults arrive
  perceptual = $state<RunPerceptual | ''>('')
  weightsDir = $state('')
  numbers = $state<Record<NumberField, string>>({
    maxSteps: '', batchSize: '', lr: '', logEvery: '', sampleEvery: '', valEvery: '', checkpointEvery: '', keepLast: '', keepEvery: '', perceptualWeight: '',
  })

  readonly defaults = $derived(this.offer?.defaults[this.stage] ?? null)
  readonly presetInfo = $derived(this.offer?.presets.find((p) => p.name === this.preset) ?? null)
  readonly engineInfo = $derived(this.offer?.engines.find((e) => e.name === this.engine) ?? null)
  readonly weightFiles = $derived(this.offer?.perceptuals.find((p) => p.kind === this.perceptual)?.weightFiles ?? [])

  /** What is missing or malformed before the engine is asked; empty when the form can be sent. */
  readonly problems = $derived(this.check())

  constructor() {
    engine.on('engine:status', (e) => {
      if (e.state === 'ready') void this.load()
    })
    void this.load()
  }

  /** Asks the engine what to offer; blank choices take its first CPU-sized preset and its stage-1A defaults. */
  async load(): Promise<void> {
    try {
      const offer = await engine.trainingDefaults()
      this.offer = offer
      this.offerError = ''
      if (!offer.presets.some((p) => p.name === this.preset)) this.preset = offer.presets.find((p) => !p.gpuScale)?.name ?? ''
      this.engine ||= offer.defaults['1a'].engine
      this.perceptual ||= offer.defaults['1a'].perceptual
    } catch (e) {
      this.offerError = `the engine's training defaults: ${describeError(e)}`
    }
  }

  request(): RunRequest {
    const numbers = Object.fromEntries(
      Object.entries(this.numbers).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, Number(v)]),
    ) as Partial<Record<NumberField, number>>
    const optional = (v: string) => (v.trim() === '' ? undefined : v.trim())
    return {
      data: this.data.trim(), val: optional(this.val), out: this.out.trim(), stage: this.stage, engine: this.engine || undefined,
      ...(this.model === 'preset' ? { preset: this.preset } : { config: this.config.trim() }),
      init: optional(this.init), perceptual: this.perceptual || undefined, weightsDir: optional(this.weightsDir), ...numbers,
    }
  }

  private check(): string[] {
    const problems: string[] = []
    if (!this.offer) problems.push(this.offerError || "waiting for the engine's training defaults")
    if (!this.data.trim()) problems.push('choose the training image folder')
    if (!this.out.trim()) problems.push('choose the run folder')
    if (this.model === 'config' && !this.config.trim()) problems.push('choose a config file or a preset')
    if (this.engineInfo) problems.push(...this.engineProblems(this.engineInfo))
    for (const [k, v] of Object.entries(this.numbers)) {
      const n = Number(v)
      if (v.trim() !== '' && (!Number.isFinite(n) || n < 0)) problems.push(`${k} must be a non-negative number`)
    }
    return problems
  }

  /** The chosen engine's refusals, as the engine declares its limits. */
  private engineProblems(e: EngineInfo): string[] {
    const problems: string[] = []
    if (!e.stages.includes(this.stage)) {
      const others = this.offer!.engines.filter((o) => o.stages.includes(this.stage)).map((o) => o.name).join(' or ')
      problems.push(`${e.name} trains Stage ${e.stages.join('/').toUpperCase()} only: pick ${others} for Stage ${this.stage.toUpperCase()}`)
    }
    if (!e.perceptual.includes(this.stage) && this.perceptual !== 'none') problems.push(`${e.name} has no Stage-${this.stage.toUpperCase()} perceptual term: set the perceptual loss to none`)
    return problems
  }
}

export const trainingForm = new TrainingForm()
