// FlowMo model shapes: the reference's width arithmetic, named presets, explicit sizes, and loading of the
// reference config layout (base.yaml / golden config.json: `model`, `data`, `eval` sections). Port of
// flowmo/models.py `DIT_ZOO["dit_b_4"]` + `FlowMo.__init__` sizing and flowmo/configs/base.yaml defaults.
import type { FluxParams } from './flux'

export interface SamplingConfig {
  readonly steps: number // Euler steps, e.g. 25
  readonly schedule: string // "linear" or "pow_<p>", ρ = 1/p (pow_0.25 → ρ 4)
  readonly cfg: number // guidance scale, 1.0 = off
  readonly cfgInterval: string | null // EDM σ interval "(.17,1.02)", null = everywhere
}

/**
 * How the encoder's code becomes the decoder's condition (reference `model.quantization_type`; paper §3.2, Tables 3–4).
 * lfq: sign per channel (the default); fsq: each channel rounded to one of `levels[c]` values (Mentzer et al.);
 * continuous: no quantiser, a LayerNorm as the encoder's last layer and DiTo's noise sync with probability `noiseSync`.
 */
export type QuantizerConfig =
  | { readonly kind: 'lfq' }
  | { readonly kind: 'fsq'; readonly levels: readonly number[] } // one level count per channel, e.g. [8, 8, 8, 8]
  | { readonly kind: 'continuous'; readonly noiseSync: number } // DiTo zaug_p, 0.1

export type QuantizerKind = QuantizerConfig['kind']
export const QUANTIZER_KINDS: readonly QuantizerKind[] = ['lfq', 'fsq', 'continuous']

export interface FlowMoConfig {
  readonly name: string
  readonly imageSize: number // S
  readonly patchSize: number // P
  readonly codeLength: number // L latent tokens
  readonly contextDim: number // C bits per token
  readonly codebookSizeForEntropy: number // G, LFQ group size for the entropy loss; divides C
  readonly entropyLossWeight: number // 0.0025
  readonly commitLossWeight: number // 0.000625
  readonly quantizer: QuantizerConfig // { kind: 'lfq' }
  readonly encoder: FluxParams
  readonly decoder: FluxParams
  readonly sampling: SamplingConfig
}

/** Sizes of one stack before validation; `attentionScale` defaults from μP. */
export interface StackSizes {
  hiddenSize: number
  numHeads: number
  axesDim: number[]
  depth: number
  mlpRatio?: number // 4
  theta?: number // 10 000
  qkvBias?: boolean // true
}

export interface ExplicitSizes {
  name?: string
  imageSize: number
  patchSize: number
  codeLength: number
  contextDim: number
  codebookSizeForEntropy: number
  encoder: StackSizes
  decoder: StackSizes
  enableMup?: boolean // true: attention scale 8/head_dim (the reference)
  entropyLossWeight?: number
  commitLossWeight?: number
  quantizer?: QuantizerConfig // default LFQ
  sampling?: Partial<SamplingConfig>
}

export const DEFAULT_SAMPLING: SamplingConfig = { steps: 25, schedule: 'pow_0.25', cfg: 1.5, cfgInterval: '(.17,1.02)' }

/** The reference's hard-coded base (`dit_b_4`), scaled by width/4. */
export const DIT_B_4 = { hiddenSize: 768, mlpRatio: 4, numHeads: 12, axesDim: [8, 28, 28], theta: 10_000, qkvBias: true }

/** hidden = w·(base_hidden/4), heads = base heads, axes = (d/4)·w — the reference's width arithmetic. */
export function widthSizes(width: number, depth: number, base = DIT_B_4): StackSizes {
  return {
    hiddenSize: width * Math.floor(base.hiddenSize / 4),
    numHeads: base.numHeads,
    axesDim: base.axesDim.map((d) => Math.floor(d / 4) * width),
    depth,
    mlpRatio: base.mlpRatio,
    theta: base.theta,
    qkvBias: base.qkvBias,
  }
}

class ConfigError extends Error {
  override name = 'ConfigError'
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConfigError(`invalid FlowMo config: ${message}`)
}

function stack(s: StackSizes, which: string, inChannels: number, txtInDim: number, enableMup: boolean): FluxParams {
  const headDim = s.hiddenSize / s.numHeads
  check(Number.isInteger(headDim), `${which} hidden size ${s.hiddenSize} is not divisible by ${s.numHeads} heads`)
  const axesSum = s.axesDim.reduce((a, b) => a + b, 0)
  check(axesSum === headDim, `${which} RoPE axes_dim [${s.axesDim}] sum to ${axesSum}, but head_dim is ${headDim}`)
  check(s.axesDim.length === 3, `${which} needs 3 RoPE axes, got [${s.axesDim}]`)
  s.axesDim.forEach((d) => check(d % 2 === 0 && d > 0, `${which} RoPE axis dim ${d} must be even and positive (axes_dim [${s.axesDim}])`))
  check(Number.isInteger(s.depth) && s.depth >= 1, `${which} depth ${s.depth} must be a positive integer`)
  return {
    inChannels,
    txtInDim,
    hiddenSize: s.hiddenSize,
    numHeads: s.numHeads,
    axesDim: [...s.axesDim],
    mlpRatio: s.mlpRatio ?? 4,
    depth: s.depth,
    theta: s.theta ?? 10_000,
    qkvBias: s.qkvBias ?? true,
    attentionScale: enableMup ? 8 / headDim : 1 / Math.sqrt(headDim),
  }
}

function checkQuantizer(q: QuantizerConfig, C: number): void {
  check(QUANTIZER_KINDS.includes(q.kind), `quantizer "${q.kind}" is not one of ${QUANTIZER_KINDS.join(', ')}`)
  if (q.kind === 'fsq') {
    check(Array.isArray(q.levels) && q.levels.length === C, `FSQ needs one level count per channel: ${q.levels?.length} levels for context_dim ${C}`)
    q.levels.forEach((l) => check(Number.isInteger(l) && l >= 2 && l <= 256, `FSQ level count ${l} must be an integer in 2…256`))
  }
  if (q.kind === 'continuous') check(q.noiseSync >= 0 && q.noiseSync <= 1, `noise-sync probability ${q.noiseSync} must lie in [0, 1]`)
}

/** Validate explicit sizes into a config; every error names the offending values. */
export function buildConfig(e: ExplicitSizes): FlowMoConfig {
  const { imageSize: S, patchSize: P, contextDim: C, codebookSizeForEntropy: G } = e
  check(Number.isInteger(S) && Number.isInteger(P) && P > 0 && S % P === 0, `image size ${S} is not a multiple of patch size ${P}`)
  check(Number.isInteger(e.codeLength) && e.codeLength > 0, `code_length ${e.codeLength} must be a positive integer`)
  check(Number.isInteger(C) && C > 0, `context_dim ${C} must be a positive integer`)
  const quantizer = e.quantizer ?? { kind: 'lfq' }
  checkQuantizer(quantizer, C)
  if (quantizer.kind === 'lfq') {
    check(Number.isInteger(G) && G > 0 && C % G === 0, `codebook_size_for_entropy ${G} must divide context_dim ${C}`)
    check(G <= 20, `codebook_size_for_entropy ${G} is too large (2^G codes are enumerated for the entropy loss)`)
  }
  const mup = e.enableMup ?? true
  return {
    name: e.name ?? 'custom',
    imageSize: S,
    patchSize: P,
    codeLength: e.codeLength,
    contextDim: C,
    codebookSizeForEntropy: G,
    entropyLossWeight: e.entropyLossWeight ?? 0.0025,
    commitLossWeight: e.commitLossWeight ?? 0.000625,
    quantizer: quantizer.kind === 'fsq' ? { kind: 'fsq', levels: [...quantizer.levels] } : { ...quantizer },
    encoder: stack(e.encoder, 'encoder', 3 * P * P, C, mup),
    decoder: stack(e.decoder, 'decoder', 3 * P * P, C + 1, mup),
    sampling: { ...DEFAULT_SAMPLING, ...e.sampling },
  }
}

/** The reference layout: `model` keys with base.yaml defaults, and `dit_base` / `derived` where a file gives them. */
export interface ReferenceModelKeys {
  patch_size?: number
  code_length?: number
  context_dim?: number
  codebook_size_for_entropy?: number
  enc_depth?: number
  dec_depth?: number
  mup_width?: number
  enc_mup_width?: number
  enable_mup?: boolean
  entropy_loss_weight?: number
  commit_loss_weight?: number
}

export const BASE_YAML_MODEL: Required<ReferenceModelKeys> = {
  patch_size: 4,
  code_length: 256,
  context_dim: 18,
  codebook_size_for_entropy: 9,
  enc_depth: 8,
  dec_depth: 16,
  mup_width: 6,
  enc_mup_width: 4,
  enable_mup: true,
  entropy_loss_weight: 0.0025,
  commit_loss_weight: 0.000625,
}

/** The reference presets (full size) and small ones of our own with explicit sizes. */
export const PRESETS: Record<string, () => FlowMoConfig> = {
  // FlowMo-Lo: 256 px, patch 4, 256 tokens × 18 bits (0.0703 BPP), encoder width 4, decoder width 6
  'flowmo-lo': () => fromReferenceModel({ ...BASE_YAML_MODEL }, 256, 'flowmo-lo'),
  // FlowMo-Hi: as Lo with 56 bits per token (0.219 BPP)
  'flowmo-hi': () => fromReferenceModel({ ...BASE_YAML_MODEL, context_dim: 56, codebook_size_for_entropy: 14 }, 256, 'flowmo-hi'),
  // the README's "smaller" model: patch 8, decoder width 4
  'flowmo-small': () => fromReferenceModel({ ...BASE_YAML_MODEL, patch_size: 8, mup_width: 4 }, 256, 'flowmo-small'),
  // 64 px, patch 8, 64 tokens × 12 bits, width 256: trains in minutes on 2 CPU cores (docs/training.md). The width
  // must exceed the patch vector (3·8² = 192): a narrower decoder cannot carry per-pixel noise and samples stay noisy.
  'tiny-64': () => sameWidth('tiny-64', 64, 8, 64, 12, 6, 256, 4, [16, 24, 24], 2, 4),
  // 64 px, patch 4, 64 tokens × 12 bits, width 256 (the PyTorch bench's tiny64; ~5× the compute of tiny-64 per image)
  'bench-tiny64': () => sameWidth('bench-tiny64', 64, 4, 64, 12, 6, 256, 4, [16, 24, 24], 2, 4),
  // tiny-64 with FlowMo-Lo's token (18 bits, entropy groups of 9): 64 × 18 bits (0.28 BPP) at the same compute;
  // the bundled model (docs/training.md: bits cost almost no parameters or time, and PSNR on photos needs them)
  'photo-64': () => sameWidth('photo-64', 64, 8, 64, 18, 9, 256, 4, [16, 24, 24], 2, 4),
  // 128 px, 128 tokens × 18 bits, width 384 (the PyTorch bench's small128)
  'small-128': () => sameWidth('small-128', 128, 8, 128, 18, 9, 384, 6, [16, 24, 24], 4, 8),
}

function sameWidth(
  name: string, S: number, P: number, L: number, C: number, G: number,
  hidden: number, heads: number, axes: number[], encDepth: number, decDepth: number,
): FlowMoConfig {
  const s = { hiddenSize: hidden, numHeads: heads, axesDim: axes }
  return buildConfig({
    name, imageSize: S, patchSize: P, codeLength: L, contextDim: C, codebookSizeForEntropy: G,
    encoder: { ...s, depth: encDepth }, decoder: { ...s, depth: decDepth },
  })
}

export function preset(name: string): FlowMoConfig {
  const make = PRESETS[name]
  if (!make) throw new ConfigError(`unknown preset "${name}"; presets: ${Object.keys(PRESETS).join(', ')}`)
  return make()
}

/** Sizes from reference `model` keys: decoder width mup_width, encoder width enc_mup_width, on `base`. */
export function fromReferenceModel(
  m: Required<ReferenceModelKeys>, imageSize: number, name: string, base = DIT_B_4, sampling?: Partial<SamplingConfig>,
): FlowMoConfig {
  return buildConfig({
    name,
    imageSize,
    patchSize: m.patch_size,
    codeLength: m.code_length,
    contextDim: m.context_dim,
    codebookSizeForEntropy: m.codebook_size_for_entropy,
    encoder: widthSizes(m.enc_mup_width, m.enc_depth, base),
    decoder: widthSizes(m.mup_width, m.dec_depth, base),
    enableMup: m.enable_mup,
    entropyLossWeight: m.entropy_loss_weight,
    commitLossWeight: m.commit_loss_weight,
    sampling,
  })
}

/** The explicit-sizes form of a config; `buildConfig(explicitSizes(c))` gives `c` back. */
export function explicitSizes(c: FlowMoConfig): ExplicitSizes {
  const enableMup = usesMup(c.encoder)
  if (usesMup(c.decoder) !== enableMup) {
    throw new Error(`config ${c.name}: encoder and decoder attention scales disagree on μP (${c.encoder.attentionScale} vs ${c.decoder.attentionScale})`)
  }
  return {
    name: c.name, imageSize: c.imageSize, patchSize: c.patchSize, codeLength: c.codeLength, contextDim: c.contextDim,
    codebookSizeForEntropy: c.codebookSizeForEntropy, encoder: stackSizes(c.encoder), decoder: stackSizes(c.decoder),
    enableMup, entropyLossWeight: c.entropyLossWeight, commitLossWeight: c.commitLossWeight, quantizer: c.quantizer, sampling: { ...c.sampling },
  }
}

function stackSizes(f: FluxParams): StackSizes {
  return { hiddenSize: f.hiddenSize, numHeads: f.numHeads, axesDim: [...f.axesDim], depth: f.depth, mlpRatio: f.mlpRatio, theta: f.theta, qkvBias: f.qkvBias }
}

/** μP scale 8/head_dim, else 1/√head_dim (configs.ts `stack`). */
function usesMup(f: FluxParams): boolean {
  const headDim = f.hiddenSize / f.numHeads
  if (f.attentionScale === 8 / headDim) return true
  if (f.attentionScale === 1 / Math.sqrt(headDim)) return false
  throw new Error(`attention scale ${f.attentionScale} is neither 8/${headDim} (μP) nor 1/√${headDim}`)
}
