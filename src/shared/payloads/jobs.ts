// Wire payloads of the evaluation jobs (issue 5 eval, issue 7 sweeps, baselines, rating export/import). Each call
// answers JobStarted; the report arrives in job:done.result (its engine type is named on each request).
import type { RgbPixels, SamplingRequest } from './inspect'

export type InferencePath = 'auto' | 'onnxruntime' | 'tfjs'
export type EvalMetric = 'psnr' | 'ssim' | 'lpips' | 'lpips-alex' | 'lpips-vgg' | 'fid' | 'kid' | 'fid-proxy' | 'kid-proxy'

/** A FlowMo checkpoint as the jobs open it. */
export interface ModelFile {
  readonly checkpoint: string // .safetensors or .pth
  readonly config?: string // a config file overriding what the checkpoint implies
  readonly stateDict?: 'ema' | 'raw' // default ema
}

/** `flowmo eval` as a job → EvaluateResult: the EvalReport (src/trainer/eval/report.ts) and its per-image rows. */
export interface EvaluateRequest {
  readonly model: ModelFile
  readonly data: string // image folder
  readonly n?: number // first N images of the sorted folder
  readonly sampling?: SamplingRequest // default: the model's own
  readonly seed?: number // default 0
  readonly metrics?: readonly EvalMetric[] // default psnr, ssim
  readonly psnr?: 'per-image' | 'batch-pooled'
  readonly quantise?: 'truncate' | 'round' | 'none'
  readonly ssim?: 'skimage-default-7x7' | 'gaussian-11'
  readonly batchSize?: number // default 5
  readonly weightsDir?: string
  readonly out?: string // folder for report.json and per-image.csv (an interrupted eval resumes from its journal there)
  readonly path?: InferencePath
}

/** An eval report as the app reads it (src/trainer/eval/report.ts EvalReport; report.json holds the same). */
export interface EvalReportView {
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_<net>, fid | fid_proxy, kid | kid_proxy
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run
  readonly nImages: number
  readonly protocol: Readonly<Record<string, unknown>> // the protocol card (src/trainer/eval/eval-card.ts EvalCard)
}

/** One evaluated image: its own scores and thumbnails (≤ 64 px) of the original and its reconstruction. */
export interface EvalImageRow {
  readonly index: number // in the sorted folder
  readonly path: string
  readonly scores: Readonly<Record<string, number>> // psnr (dB, Infinity when exact), ssim, lpips_<net>
  readonly original: RgbPixels | null // null: taken from an earlier run's journal, or past the thumbnail limit
  readonly reconstruction: RgbPixels | null
}

/** The evaluate job's result: the report and a row per image. */
export interface EvaluateResult extends EvalReportView {
  readonly perImage: readonly EvalImageRow[]
}

/** Two saved eval reports (report.json) and their protocol card fields that differ → EvalReportDiff. */
export interface DiffEvalReportsRequest {
  readonly a: string
  readonly b: string
}

export interface EvalReportDiff {
  readonly a: { readonly path: string; readonly report: EvalReportView }
  readonly b: { readonly path: string; readonly report: EvalReportView }
  readonly differences: readonly { readonly field: string; readonly a: unknown; readonly b: unknown }[] // dotted card fields
}

/** Code-book diagnostics of a tokenizer over a folder (`flowmo code-stats`) → CodeStatsReport. */
export interface CodeStatsRequest {
  readonly model: ModelFile // an LFQ tokenizer (its code is ±1 bits)
  readonly data: string // image folder (recursive, sorted)
  readonly limit?: number // the first N images
  readonly group?: number // bits per sub-token G for entropy and the code book; must divide C (default: C up to 16, else its largest divisor ≤ 16)
  readonly path?: InferencePath
}

/** src/trainer/metrics/code-usage.ts codeStatistics, with where it came from. */
export interface CodeStatsReport {
  readonly n: number // images
  readonly tokens: number // L
  readonly bits: number // C
  readonly groupBits: number // G
  readonly bitUsage: { readonly perBit: readonly number[]; readonly perTokenBit: readonly number[]; readonly overall: number } // fraction +1: [C], [L·C]
  readonly tokenEntropy: {
    readonly perToken: readonly number[] // [L] bits (sum over a token's C/G sub-tokens)
    readonly perSubToken: readonly number[]
    readonly meanSubToken: number
    readonly maxBitsPerSubToken: number // min(G, log2 n)
  }
  readonly bitCorrelation: readonly (number | null)[] // [C·C] Pearson r; null for a bit that never changes
  readonly codebook: { readonly distinct: number; readonly possible: number; readonly utilisation: number; readonly entropyBits: number; readonly perplexity: number }
  readonly distinctImageCodes: number
  readonly data: string
  readonly checkpoint: string
  readonly notices: readonly string[] // files skipped and why, the inference path
}

/** The sampler grid; a missing axis takes the model's value. */
export interface SweepGridAxes {
  readonly steps?: readonly number[]
  readonly rho?: readonly number[]
  readonly cfg?: readonly number[]
  readonly interval?: readonly (readonly [lo: number, hi: number] | null)[] // EDM σ
}

/** A sampler sweep → SweepResult (src/trainer/sweep/sweep-result.ts), images inline; sweep:originals once the images
 * are encoded, then sweep:cell per scored cell. */
export interface SweepRequest {
  readonly model: ModelFile
  readonly data: string
  readonly grid: SweepGridAxes
  readonly limit?: number // first N images
  readonly seed?: number
  readonly metrics?: readonly EvalMetric[]
  readonly batchSize?: number
  readonly gridImages?: number // images kept per cell for the image grid (default 8)
  readonly weightsDir?: string
  readonly out?: string // also write the sweep JSON here (flowmo sweep's format); the same request resumes an interrupted run
  readonly path?: InferencePath
}

/** The sweep's images with the grid's originals, pushed before the first cell (the result repeats them). */
export interface SweepOriginalsEvent {
  readonly jobId: string
  readonly images: SweepReport['images']
  readonly notices: readonly string[] // what the engine said before the first cell: files skipped (and why), a resume, the inference path
}

export interface SweepCellEvent {
  readonly jobId: string
  readonly index: number // in grid order
  readonly cell: SweepCellReport // SweepCell without `best` (src/trainer/sweep/sweep-result.ts)
  readonly resumed: boolean // taken from the journal of an earlier, interrupted run of the same sweep (not sampled again)
}

/** A PNG of a sweep's image grid: a file under the sweep's imagesDir, or the PNG itself in base64. */
export type SweepImageRef = { readonly file: string } | { readonly png: string }

/** One sweep cell as the app reads it; the engine's SweepCell (src/trainer/sweep/sweep-result.ts) is checked against it. */
export interface SweepCellReport {
  readonly steps: number
  readonly rho: number
  readonly cfg: number
  readonly interval: readonly [lo: number, hi: number] | null // EDM σ; null = guidance at every step
  readonly nfe: number // decoder calls per image
  readonly timeMsPerImage: number
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_alex, lpips_vgg, fid, kid: the ones that ran
  readonly images: readonly (SweepImageRef & { readonly index: number })[] // reconstructions for the image grid
}

/** A sweep as the app reads it: the sweep job's report and openSweep's, a view of SweepResult (sweep-result.ts). */
export interface SweepReport {
  readonly protocol: {
    readonly dataset: { readonly path: string; readonly nImages: number }
    readonly checkpoint: { readonly path: string }
    readonly resolutionPx: number
    readonly backend: string
    readonly sampler: { readonly seed: number; readonly noise: string }
  } // the eval protocol card without one sampler; the views show every field
  readonly grid: { readonly [K in keyof SweepGridAxes]-?: NonNullable<SweepGridAxes[K]> }
  readonly images: readonly { readonly index: number; readonly path: string; readonly original?: SweepImageRef }[]
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run
  readonly best: Readonly<Record<string, { readonly cell: number; readonly value: number }>> // metric → best cell
  readonly timing: { readonly encodeMsPerImage: number; readonly totalMs: number; readonly note?: string } // note: how cells are timed
  readonly cells: readonly (SweepCellReport & { readonly best: readonly string[] })[]
}

/** Reopens a saved sweep JSON (the app's or `flowmo sweep --out`'s) → OpenSweepReport. */
export interface OpenSweepRequest {
  readonly path: string
}

export interface OpenSweepReport {
  readonly path: string // the file's real path
  readonly result: SweepReport // every image of the grid inline as base64 PNG
  readonly notices: readonly string[] // image files that could not be read, and why
}

/**
 * A method in a comparison or rating export: 'flowmo' (the request's model), another FlowMo checkpoint (its config
 * implied by the file; label default: the file name), a codec, or an ONNX tokenizer folder.
 */
export type MethodChoice = 'flowmo' | 'jpeg' | 'webp' | 'avif' | { readonly flowmo: string; readonly label?: string } | { readonly onnx: string }

/** Methods side by side at matched BPP → CompareReport. */
export interface CompareRequest {
  readonly model?: ModelFile // needed when methods has 'flowmo'; sets the target BPP and size
  readonly methods: readonly MethodChoice[]
  readonly images: readonly string[] // image files
  readonly sampling?: SamplingRequest
  readonly seed?: number
  readonly targetBpp?: number // codec target; default the model's (or first tokenizer's) BPP
  readonly imageSizePx?: number // square size the images are cropped to; default the model's (or first tokenizer's)
  readonly metrics?: readonly CompareMetric[] // beyond PSNR/SSIM (always computed); default none
  readonly weightsDir?: string // where the weight files are (default: FLOWMO_WEIGHTS_DIR, ~/.cache/flowmo/weights, torch's cache)
}

/** LPIPS (AlexNet and VGG, per image); rFID/KID over the set (pytorch-fid InceptionV3); their offline proxies (MobileNetV2). */
export type CompareMetric = Extract<EvalMetric, 'lpips' | 'fid' | 'kid' | 'fid-proxy' | 'kid-proxy'>

export interface CompareReport {
  readonly imageSizePx: number
  readonly targetBpp: number | null
  readonly originals: readonly { readonly pixels: Uint8Array; readonly h: number; readonly w: number }[]
  /**
   * MethodComparison (src/trainer/baselines/compare.ts), image order: id, label, settings, nominalBpp, meanBpp,
   * meanPsnr, meanSsim, reconstructions [{ image, bpp, psnr, ssim, settings, lpips?: { alex?, vgg? } }], and
   * metrics / details keyed as eval's report: lpips_alex, lpips_vgg (means), fid | fid_proxy and kid | kid_proxy
   * (originals against this method's reconstructions, over all images; *_proxy is the offline network, never rFID).
   */
  readonly methods: readonly unknown[]
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run: the weight file it needs (eval's text), too few images
  readonly warnings: Readonly<Record<string, string>> // metric → why its value needs care, e.g. fid: FID of N ≤ 2048 images
  readonly networks: readonly { readonly name: string; readonly weightsFile: string; readonly sha256: string }[] // behind LPIPS/FID/KID
}

/** A folder for human raters (manifest for the researcher, a blind rater/ folder to hand out) → ExportReport (src/trainer/rating/export.ts). */
export interface ExportRatingsRequest {
  readonly model?: ModelFile
  readonly methods: readonly MethodChoice[] // at least two
  readonly images: readonly string[]
  readonly out: string // must not exist yet; an interrupted export of the same request resumes
  readonly title?: string
  readonly sampling?: SamplingRequest
  readonly seed?: number
  readonly targetBpp?: number // codec target; default the model's (or first tokenizer's) BPP
  readonly imageSizePx?: number // square size the images are cropped to; default the model's (or first tokenizer's); codecs alone need it
}

/** Ratings back → RatingReport (src/trainer/rating/import.ts): win rates, intervals, Bradley–Terry ranking. */
export interface ImportRatingsRequest {
  readonly exportDir: string
  readonly ratings: readonly string[] // ratings JSON files saved by the rating page
  readonly minMs?: number // drop trials decided faster than this
  readonly requireFlip?: boolean // drop trials that never used flip-to-compare
  readonly out?: string // also write the report JSON here
}
