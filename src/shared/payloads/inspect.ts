// Wire payloads of the inspector calls (open a model and images, reconstruct, sample variance, bit flips, the
// sensitivity atlas, the sampler trajectory, code balance). Images cross as 8-bit RGB, HWC, row-major.

/** 8-bit RGB pixels, HWC (`[h, w, 3]`). */
export interface RgbPixels {
  readonly pixels: Uint8Array
  readonly h: number
  readonly w: number
}

/** Which engine ran a decode: onnxruntime on the exported graphs (the fast path) or tfjs. */
export type DecodePath = 'onnxruntime' | 'tfjs'

/** Sampler knobs as the views show them; `interval` is the guidance interval in EDM σ, as the reference's "(.17,1.02)". */
export interface SamplingRequest {
  readonly steps: number // Euler steps, e.g. 25
  readonly rho: number // time-grid shift ρ (paper eq. 14), e.g. 4; 1 = uniform grid
  readonly cfg: number // guidance scale, 1 = off
  readonly interval: readonly [lo: number, hi: number] | null // σ interval; null = guide at every step
}

export interface OpenModelRequest {
  readonly path: string // .safetensors, .pth, or an exported ONNX folder (flowmo.json, encoder.onnx, decoder.onnx)
  readonly config?: string // a config file that overrides what the checkpoint implies
  readonly stateDict?: 'ema' | 'raw'
}

export interface ModelSummary {
  readonly modelId: string
  readonly name: string // file name
  readonly path: string
  readonly format: 'safetensors' | 'pth' | 'onnx' // 'onnx': an exported folder was opened
  readonly inferencePath: DecodePath // what the decode jobs run on
  readonly inferenceNotice: string // one line: the path and, on a fallback to tfjs, why
  readonly imageSize: number // S
  readonly patchSize: number // P
  readonly codeLength: number // L tokens
  readonly contextDim: number // C bits per token
  readonly codebookSizeForEntropy: number // G
  readonly encoderDepth: number
  readonly decoderDepth: number
  readonly hiddenSize: number // decoder width
  readonly parameters: number
  readonly bitsPerPixel: number | null // null: a continuous latent (no bits)
  readonly quantizer: 'lfq' | 'fsq' | 'continuous' // lfq: the code is ±1 bits; otherwise values (the bit-map becomes a value map)
  readonly codeLabel: string // "64 tokens × 12 bits = 0.1875 BPP (LFQ)" or the FSQ levels / latent size
  readonly backend: string
  readonly configSource: string
  readonly assumed: readonly string[]
  readonly stateDict: string | null
  readonly stateDicts: readonly string[]
  readonly totalSteps: number | null
  readonly sampling: SamplingRequest // the model's own defaults
}

export interface CloseModelRequest {
  readonly modelId: string
}

export interface CloseModelReport {
  readonly closed: boolean // false when no model had this id
}

export interface UploadedFile {
  readonly name: string
  readonly bytes: Uint8Array // the encoded file (PNG, JPEG, WebP…)
}

// A file dropped or picked in the page reaches the engine in chunks, so that no message is large (web mode sends each
// as one WebSocket frame): beginUpload, then uploadChunk for each UPLOAD_CHUNK_BYTES slice in order, then
// openImages({ uploads: [uploadId] }), which decodes and forgets it. A file over MAX_UPLOAD_BYTES is refused by name.
export const MAX_UPLOAD_BYTES = 64 * 2 ** 20 // per file
export const UPLOAD_CHUNK_BYTES = 4 * 2 ** 20

export interface BeginUploadRequest {
  readonly name: string // the file's name, for messages and the image list
  readonly size: number // bytes
}

export interface UploadStarted {
  readonly uploadId: string
}

export interface UploadChunkRequest {
  readonly uploadId: string
  readonly offset: number // must be the bytes received so far: chunks arrive in order
  readonly bytes: Uint8Array // at most UPLOAD_CHUNK_BYTES
}

export interface UploadProgress {
  readonly received: number
  readonly size: number
}

export interface OpenImagesRequest {
  readonly paths?: readonly string[] // absolute paths the file policy allows
  readonly uploads?: readonly string[] // ids of complete uploads (dropped or picked in the page)
}

export interface ImageRef {
  readonly imageId: string
  readonly name: string
  readonly h: number
  readonly w: number
  readonly thumbnail: Uint8Array // PNG, longer side ≤ 96 px
}

/** An opened image as an opened model sees it, before any decode. */
export interface ModelInputRequest {
  readonly modelId: string
  readonly imageId: string
}

export interface ModelInputReport {
  readonly original: RgbPixels // resized (shorter side) and centre-cropped to the model size, as every decode sees it
  readonly sizePx: number // the model's image size
  readonly fromH: number // the image as opened
  readonly fromW: number
}

/** One decode of one opened image through one opened model; z0 is the image's own noise for `seed` (keyed by its content). */
export interface DecodeRequest {
  readonly modelId: string
  readonly imageId: string
  readonly sampling: SamplingRequest
  readonly seed: number
}

export interface ReconstructReport {
  readonly original: RgbPixels // resized and centre-cropped to the model size
  readonly reconstruction: RgbPixels
  readonly errorMap: RgbPixels // |error| averaged over channels, colour-mapped over [0, errorMax]
  readonly errorMax: number // in [0, 1] pixel units
  readonly error: Float32Array // [S·S] the |error| field itself, for a fixed colour scale (shared/colour-maps.ts)
  readonly psnr: number // dB, per image, after the uint8 truncation (as `flowmo eval`)
  readonly ssim: number // skimage 7×7 on [0, 1], after the uint8 truncation (as `flowmo eval`)
  readonly lpips: number | null // null while the LPIPS weights are missing (see lpipsNote)
  readonly lpipsNote: string
  readonly code: Float32Array // [L, C] row-major: ±1 bits (LFQ), FSQ levels in [−1, 1], or continuous values
  readonly L: number
  readonly C: number
  readonly nfe: number // decoder calls
  readonly ms: number
  readonly path: DecodePath
}

export interface VarianceRequest extends DecodeRequest {
  readonly k: number // decodes with seeds seed, seed+1, …, seed+k−1
}

/** One variance sample as it arrives. */
export interface VarianceSampleEvent extends RgbPixels {
  readonly jobId: string
  readonly index: number // 0-based
  readonly k: number
  readonly seed: number
  readonly psnr: number // against the original, dB (per image, uint8 truncation)
}

export interface VarianceReport {
  readonly k: number
  readonly mean: RgbPixels
  readonly std: Float32Array // [h·w] per-pixel std over the k samples in [0, 1] units, averaged over channels
  readonly stdMax: number
  readonly stdMap: RgbPixels // std colour-mapped over [0, stdMax] (legend: colourMap from 0 to stdMax)
  readonly colourMap: string
  readonly path: DecodePath
}

export interface BitFlip {
  readonly token: number // 0 ≤ token < L
  readonly bit: number // 0 ≤ bit < C
}

export interface FlipBitsRequest extends DecodeRequest {
  readonly flips: readonly BitFlip[]
}

export interface FlipBitsReport {
  readonly base: RgbPixels // decode of the image's own code
  readonly flipped: RgbPixels // decode of the flipped code, same noise
  readonly diffMap: RgbPixels // |flipped − base| averaged over channels, colour-mapped over [0, diffMax]
  readonly diffMax: number
  readonly meanAbsDiff: number // [0, 1] pixel units
  readonly deltaPsnr: number // PSNR(flipped, original) − PSNR(base, original), dB
  readonly code: Float32Array // the flipped code [L, C] (a flip negates the value: a bit's sign, an FSQ level, a latent value)
  readonly path: DecodePath
}

export interface BitAtlasRequest extends DecodeRequest {
  readonly subset?: number // flip only this many (token, bit) pairs, spread evenly; default all L·C
}

export interface BitAtlasReport {
  readonly L: number
  readonly C: number
  readonly deltaPsnr: Float32Array // [L·C], NaN where not evaluated
  readonly deltaLpips: Float32Array | null // [L·C] when LPIPS weights exist
  readonly basePsnr: number
  readonly evaluated: number
  readonly path: DecodePath
}

export interface TrajectoryReport {
  readonly states: readonly RgbPixels[] // z0 (clipped) then z after each step: steps + 1 states, the last = the decode
  readonly predicted: readonly RgbPixels[] // x̂₀ = z_t − t·v̂ at each state (clipped): steps + 1, the last = the decode
  readonly ts: Float32Array // decoder times, t from 1 toward 0
  readonly dts: Float32Array // Euler step sizes
  readonly cfgApplied: readonly boolean[] // per step
  readonly intervalT: readonly [lo: number, hi: number] | null // the guidance interval in t
  readonly path: DecodePath
}

export interface CodeBalanceRequest {
  readonly modelId: string
  readonly imageIds: readonly string[]
}

export interface CodeBalanceReport {
  readonly L: number
  readonly C: number
  readonly plusFraction: Float32Array // [L·C] share of images whose bit is +1
  readonly n: number
}

/** What replaces a token's bits: the null code (all 0), random ±1 bits (seeded by seed and token), or a second image's token. */
export type TokenReplacement = 'null' | 'random' | 'other'

/** Each token's bits replaced in turn, decoded from the noise (seed, index 0) as `flowmo token-map` → TokenMapReport. */
export interface TokenMapRequest extends DecodeRequest {
  readonly replacement: TokenReplacement
  readonly otherImageId?: string // the second image, for 'other'
}

/** One token's influence (research/token-influence.ts TokenSummary). */
export interface TokenSummary {
  readonly token: number
  readonly meanAbs: number // mean |Δ| over pixels (RGB-averaged, model units on [−1, 1])
  readonly maxAbs: number
  readonly area: number // fraction of pixels with |Δ| > 0.1
  readonly centroid: readonly [y: number, x: number] // |Δ|-weighted, pixels; NaN when nothing moved
  readonly deltaPsnr: number // the replaced decode against the base decode, dB; Infinity when identical
}

export interface TokenMapReport {
  readonly L: number
  readonly C: number
  readonly S: number
  readonly base: RgbPixels // the unmodified code's decode
  readonly maps: Float32Array // [L, S, S] per-pixel |Δ|
  readonly owner: Int32Array // [S·S] the token whose replacement moved the pixel most
  readonly tokens: readonly TokenSummary[]
  readonly atlas: RgbPixels & { readonly cols: number; readonly max: number } // the maps as small multiples, one inferno scale [0, max]
  readonly replacement: TokenReplacement
  readonly path: DecodePath
}

/** Token swap / mix: the tokens `fromA` of image A's code, the rest from image B's, decoded from one noise → MixTokensReport. */
export interface MixTokensRequest extends DecodeRequest {
  readonly otherImageId: string // image B
  readonly fromA: readonly number[] // token indices taken from A (the selected image)
}

export interface MixTokensReport {
  readonly a: RgbPixels // A's own code decoded
  readonly b: RgbPixels // B's own code decoded
  readonly mixed: RgbPixels
  readonly fromA: readonly number[]
  readonly L: number
  readonly path: DecodePath
}

export interface ListFilesRequest {
  readonly dir?: string // absolute folder; omitted = the allowed roots
}

export interface FileListing {
  readonly dir: string | null
  readonly entries: readonly { readonly name: string; readonly path: string; readonly kind: 'file' | 'directory'; readonly sizeBytes: number }[]
}

/** What ships in the app's resources/: models (resources/models/*.safetensors) and sample photos (resources/images/). */
export interface BundledFiles {
  readonly models: readonly string[]
  readonly images: readonly string[]
}
