// Wire payloads of the app's Generate section (Stage 2, docs/generation.md): encode a folder with the open tokenizer,
// train a MaskGiT on the codes (gen:step per step), sample a grid with its unmasking timeline, score it (gen-eval).
import type { RgbPixels } from './inspect'

export interface EncodeCodesRequest {
  readonly modelId: string // the open tokenizer (openModel)
  readonly data: string // image folder; sub-folders are classes
  readonly out: string // codes .safetensors to write
  readonly flip?: boolean // also encode every image mirrored left–right
}

export interface EncodeCodesReport {
  readonly out: string
  readonly n: number // code rows (images, twice with flips)
  readonly positions: number // T tokens
  readonly bits: number // C bits per token
  readonly subTokens: number // F softmaxes per token
  readonly vocabulary: number // 2^G ids per sub-token
  readonly classes: readonly string[]
}

/** A generator's width and depth (the presets' fields, src/trainer/stage2/maskgit.ts). */
export interface GeneratorSizes {
  readonly hiddenSize: number
  readonly depth: number
  readonly numHeads: number
  readonly mlpSize: number
}

export interface TrainGeneratorRequest {
  readonly codes: string // from encodeCodes / `flowmo encode`
  readonly out: string // run folder
  readonly preset?: string | GeneratorSizes // 'maskgit-tiny' (default) | 'maskgit-paper', or explicit sizes
  readonly resume?: boolean // continue from the newest checkpoint in `out`
  readonly maxSteps?: number
  readonly batchSize?: number
  readonly lr?: number
  readonly checkpointEvery?: number
  readonly seed?: number
  readonly engine?: 'tfjs' | 'onnxruntime' // the step as one onnxruntime graph (default) or on tfjs
}

/** One optimiser step of a generator job (metrics.jsonl's fields). */
export interface GeneratorStepEvent {
  readonly jobId: string
  readonly step: number
  readonly maxSteps: number
  readonly loss: number
  readonly maskedAccuracy: number // masked sub-tokens predicted right
  readonly lr: number
  readonly itS: number
}

export interface TrainGeneratorReport {
  readonly out: string
  readonly step: number
  readonly checkpoint: string | null
  readonly stopped: boolean // cancelled before maxSteps: the step's checkpoint was written, resume continues it
}

export interface GeneratorInfoRequest {
  readonly run: string
}

export interface GeneratorInfo {
  readonly run: string
  readonly step: number // newest checkpoint's
  readonly preset: unknown // run.json's: a name or explicit sizes
  readonly classes: readonly string[]
  readonly positions: number
  readonly subTokens: number
  readonly vocabulary: number
}

/** The MaskGiT sampler's knobs (maskgit-sample.ts MaskGitSampling). */
export interface MaskGitKnobs {
  readonly steps: number // S, e.g. 8
  readonly temperature: number // τ₀ of the Gumbel noise; 0 = argmax
  readonly annealing: boolean // softmax temperature 0.5 + 0.8·(1 − r)
  readonly guidance: number // classifier-free guidance scale; 0 = none
  readonly guidanceSchedule: 'linear' | 'constant'
  readonly seed: number
}

export interface GenerateRequest {
  readonly modelId: string // the open tokenizer
  readonly run: string // generator run folder
  readonly out: string // folder for sample_NNNNN.png + generation.json
  readonly n: number
  readonly sampling: MaskGitKnobs
  readonly className?: string // every sample of this class; absent: round-robin over the run's classes
  readonly decodeSteps?: number // the tokenizer's sampler steps (default: its config's)
  readonly timelineIndex?: number // the sample whose unmasking is shown (default 0)
}

/** Which sub-tokens are committed after each step, and the image decoded from the partial code at that step. */
export interface UnmaskingTimelineReport {
  readonly index: number
  readonly positions: number // T
  readonly subTokens: number // F
  readonly committedAt: readonly number[] // [T·F] step (0-based) that fixed each sub-token
  readonly frames: readonly RgbPixels[] // one per step
}

export interface GenerateReport {
  readonly out: string
  readonly images: readonly RgbPixels[]
  readonly labels: readonly string[] // class of each image
  readonly timeline: UnmaskingTimelineReport
  readonly card: Readonly<Record<string, unknown>> // generation.json
}

export interface GenEvalRequest {
  readonly samples: string // folder of generated images
  readonly ref: string // folder of real images
  readonly proxy?: boolean // use the offline proxy network even if the Inception weights are there
  readonly weightsDir?: string // where pt_inception-2015-12-05-6726825d.pth is
}

export interface GenEvalReport {
  readonly metrics: Readonly<Record<string, number>> // FID, sFID, IS, KID (or their -proxy), precision, recall
  readonly protocol: Readonly<Record<string, unknown>> // network, proxy, samples (with the generation card), reference, k …
  readonly warnings: readonly string[]
}
