// Wire payloads of training runs in the engine (issue 4 "Runs", issue 7 "Training dashboard"): start, stop, list
// the active runs (a reopened window reattaches), browse a run folder, and the run:* events. Losses use metrics.jsonl names.

export type RunStage = '1a' | '1b'

/** startRun: a run folder plus overrides of defaultRunOptions(stage); paths absolute and allowed by the file policy. */
export interface RunRequest {
  readonly data: string // training image folder
  readonly val?: string // validation folder (default: the training folder)
  readonly out: string // run folder: run.json, checkpoints/, metrics.jsonl, samples/
  readonly preset?: string // e.g. 'tiny-64'; or
  readonly config?: string // a model config file; a resume without preset/config takes the run's run.json
  readonly stage?: RunStage // default '1a'
  readonly init?: string // start from this checkpoint (Stage 1B from a 1A run)
  readonly initStateDict?: 'raw' | 'ema'
  readonly resume?: boolean // continue from the newest complete checkpoint in `out` (after a crash or a stop)
  readonly maxSteps?: number
  readonly batchSize?: number
  readonly gradAccumulation?: number
  readonly lr?: number
  readonly seed?: number
  readonly logEvery?: number
  readonly sampleEvery?: number
  readonly valEvery?: number
  readonly checkpointEvery?: number
  readonly keepLast?: number
  readonly keepEvery?: number | null
  readonly valImages?: number
  readonly evalWeights?: 'raw' | 'ema'
  readonly freezeEncoderAfter?: number | null
  readonly timeDistribution?: 'fat_lognormal' | 'lognormal' | 'uniform'
  readonly chainSteps?: number
  readonly perceptual?: 'none' | 'lpips-vgg' | 'resnet50' | 'proxy'
  readonly perceptualWeight?: number
  readonly weightsDir?: string
  readonly allowPerceptualFallback?: boolean
  readonly engine?: 'tfjs' | 'onnxruntime'
  readonly augment?: boolean // scaled crops + flips of the training images
}

export interface RunStarted {
  readonly runId: string
}

export interface StopRunRequest {
  readonly runId: string
}

export interface StopRunReport {
  readonly stopping: boolean // false when no active run has this id; run:done follows after the checkpoint
}

export type RunLosses = Readonly<Record<string, number>> // flow_loss, quantizer_loss, perceptual_loss, total_loss

/** One active run as listRuns reports it: enough for a dashboard to reattach. */
export interface RunInfo {
  readonly runId: string
  readonly out: string // real path of the run folder (openRunFolder gives its history)
  readonly stage: RunStage
  readonly engine: 'tfjs' | 'onnxruntime'
  readonly state: 'starting' | 'training' | 'stopping'
  readonly startedAt: string // ISO time
  readonly firstStep: number // step the run (re)started from
  readonly maxSteps: number
  readonly step: number // latest logged step
  readonly losses: RunLosses | null
  readonly itS: number | null
  readonly etaS: number | null
  readonly lastCheckpoint: string | null
  readonly lastSampleStep: number | null
}

export interface OpenRunFolderRequest {
  readonly dir: string
}

export interface RunFileEntry {
  readonly step: number
  readonly path: string
}

/** An existing run folder: metrics.jsonl parsed, samples and checkpoints by step, run.json as written. */
export interface RunHistory {
  readonly dir: string
  readonly run: unknown // run.json, null when missing or unreadable
  readonly metrics: readonly Readonly<Record<string, unknown>>[] // one object per line, in file order
  readonly badLines: number // lines that did not parse (a line cut short by a kill)
  readonly samples: readonly RunFileEntry[] // samples/step-N.png, by step
  readonly checkpoints: readonly RunFileEntry[] // checkpoints/step-N.safetensors, newest first
  readonly activeRunId: string | null // a run of this engine is writing to the folder
  readonly official: { readonly watched: boolean } | null // the official trainer's results/<exp>/ (read-only here); watched: flowmo watch has evaluated into it
}

export interface RunSampleRequest {
  readonly dir: string
  readonly step: number
}

// ── events ──

export interface RunStartEvent {
  readonly runId: string
  readonly step: number
  readonly maxSteps: number
  readonly stage: RunStage
}

export interface RunStepEvent {
  readonly runId: string
  readonly step: number
  readonly maxSteps: number
  readonly losses: RunLosses
  readonly lr: number
  readonly itS: number // steps per second over the last log interval
  readonly stepMs: number // 1000 / itS
  readonly etaS: number
  readonly elapsedS: number
}

/** The fixed-seed validation grid: originals in the top row, reconstructions below. */
export interface RunSampleEvent {
  readonly runId: string
  readonly step: number
  readonly pixels: Uint8Array // RGB, row-major
  readonly shape: readonly [h: number, w: number, c: 3]
  readonly path: string // the PNG in the run folder
}

export interface RunValidationEvent {
  readonly runId: string
  readonly step: number
  readonly psnr: number
  readonly ssim: number
  readonly baselinePsnr: number // every pixel of each image = its own mean colour
  readonly bitBalance: readonly number[] // share of +1 per code bit
}

export interface RunCheckpointEvent {
  readonly runId: string
  readonly step: number
  readonly path: string
}

export interface RunLogEvent {
  readonly runId: string
  readonly line: string
}

export interface RunDoneEvent {
  readonly runId: string
  readonly status: 'finished' | 'stopped'
  readonly step: number
  readonly lastCheckpoint: string | null
}

export interface RunErrorEvent {
  readonly runId: string
  readonly message: string
  readonly code: string // 'non-finite-loss' | 'worker-exited' | 'internal' | …
  readonly lastCheckpoint: string | null // resume from here with startRun({ …, resume: true })
}

/**
 * The host (desktop main process or `flowmo serve`) restarted a run after the engine process died: the new run
 * continues `out` from its newest complete checkpoint under a new runId. A run:error with code 'engine-exited'
 * for `previousRunId` comes first.
 */
export interface RunResumedEvent {
  readonly previousRunId: string
  readonly runId: string
  readonly out: string
  readonly fromCheckpoint: string | null // null when the engine died before the first checkpoint: the run starts over
  readonly reason: string // e.g. "the engine exited (code 1)"
}

// ── trainingDefaults: what the start form offers, from the engine's own tables ──

export type RunPerceptual = NonNullable<RunRequest['perceptual']>
export type RunEngine = NonNullable<RunRequest['engine']>

/** A model preset (src/trainer/model/configs.ts) as the start form lists it. */
export interface PresetInfo {
  readonly name: string // e.g. 'tiny-64'
  readonly imageSize: number // S px
  readonly patchSize: number // P px
  readonly encoder: StackSummary
  readonly decoder: StackSummary
  readonly tokens: number // L latent tokens
  readonly bits: number // C bits per token
  readonly bitsPerPixel: number // L·C / S², e.g. 0.1875 for tiny-64
  readonly parameters: number // counted from the model's declared parameters
  readonly gpuScale: boolean // too big to train on a CPU; listed, with `note` saying so
  readonly note: string | null // e.g. 'GPU-scale: 945 M parameters'
}

export interface StackSummary {
  readonly width: number // hidden size
  readonly depth: number // double-stream blocks
}

/** defaultRunOptions(stage), the fields the start form shows. */
export interface RunDefaults {
  readonly maxSteps: number
  readonly batchSize: number
  readonly lr: number
  readonly logEvery: number
  readonly sampleEvery: number
  readonly valEvery: number
  readonly checkpointEvery: number
  readonly keepLast: number // newest checkpoints kept
  readonly keepEvery: number | null // plus every checkpoint at a multiple of this step (null: none)
  readonly perceptual: RunPerceptual
  readonly perceptualWeight: number
  readonly engine: RunEngine
}

export interface PerceptualInfo {
  readonly kind: RunPerceptual
  readonly label: string // e.g. 'LPIPS-VGG (reference 1A; weight files)'
  readonly weightFiles: readonly string[] // file names it needs in the weights folder; empty: none
}

export interface EngineInfo {
  readonly name: RunEngine
  readonly label: string
  readonly stages: readonly RunStage[] // stages it trains
  readonly perceptual: readonly RunStage[] // the stages in which it has a perceptual term
  readonly gradAccumulation: boolean
  readonly note: string | null // its limits in a sentence
}

export interface TrainingDefaults {
  readonly presets: readonly PresetInfo[] // CPU-sized first, then the GPU-scale ones
  readonly defaults: Readonly<Record<RunStage, RunDefaults>>
  readonly perceptuals: readonly PerceptualInfo[]
  readonly engines: readonly EngineInfo[]
}
