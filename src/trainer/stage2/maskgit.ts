// The Stage-2 generator: a bidirectional post-LN BERT in the layout of TiTok's `ImageBert` (bytedance/1d-tokenizer
// modeling/maskgit.py): class token in front, learned absolute positions (T + 1), post-LN blocks with eps 1e-12, and an
// output head over the code vocabulary on the image positions. Written once against the ops interface (model/ops.ts).
// The token input is MaskBiT's embedding-free one (markweberdev/maskbit LFQBert): the ±1 bits of each token with the
// bits of masked sub-tokens set to 0, through one Linear — no 2^G-row embedding table, and no gather.
import { Linear } from '../model/layers'
import type { Ops, ParamRef } from '../model/ops'
import { Params } from '../model/params'

export interface MaskGitParams {
  readonly hiddenSize: number // d, e.g. 256
  readonly depth: number // transformer blocks, e.g. 6
  readonly numHeads: number // e.g. 8
  readonly mlpSize: number // FFN width, e.g. 1024
  readonly positions: number // T image tokens
  readonly bitsPerToken: number // C (tokenizer context_dim)
  readonly subTokens: number // F softmaxes per position (tokens.ts layout)
  readonly vocabulary: number // V = 2^G ids per sub-token
  readonly classes: number // K; the class table holds K + 1 rows, the last the null class for guidance
}

export type GeneratorSizes = Pick<MaskGitParams, 'hiddenSize' | 'depth' | 'numHeads' | 'mlpSize'> // the wire's GeneratorSizes (shared/payloads/generate.ts)

/** Named sizes; positions/bits/vocabulary/classes come from the codes file. */
export const MASKGIT_PRESETS: Record<string, GeneratorSizes> = {
  // CPU: ≈ 5M parameters at T = 64, C = 12 (docs/generation.md)
  'maskgit-tiny': { hiddenSize: 256, depth: 6, numHeads: 8, mlpSize: 1024 },
  // TiTok's generator config (configs/training/generator/maskgit.yaml): 768 × 24, 16 heads, FFN 3072 (≈ 177M with its table)
  'maskgit-paper': { hiddenSize: 768, depth: 24, numHeads: 16, mlpSize: 3072 },
}

export function maskGitParams(preset: string | GeneratorSizes, data: Pick<MaskGitParams, 'positions' | 'bitsPerToken' | 'subTokens' | 'vocabulary' | 'classes'>): MaskGitParams {
  const sizes = typeof preset === 'string' ? MASKGIT_PRESETS[preset] : preset
  if (!sizes) throw new Error(`unknown generator preset "${preset}"; presets: ${Object.keys(MASKGIT_PRESETS).join(', ')}`)
  if (sizes.hiddenSize % sizes.numHeads !== 0) throw new Error(`hidden size ${sizes.hiddenSize} is not divisible by ${sizes.numHeads} heads`)
  return { ...sizes, ...data }
}

const LN_EPS = 1e-12 // BERT's layer_norm_eps

export class LayerNorm {
  readonly weight: ParamRef
  readonly bias: ParamRef
  constructor(p: Params, dim: number) {
    this.weight = p.declare('weight', [dim])
    this.bias = p.declare('bias', [dim])
  }
  forward<T>(o: Ops<T>, x: T): T {
    return o.add(o.mul(o.layerNorm(x, LN_EPS), o.param(this.weight)), o.param(this.bias))
  }
}

/** One post-LN BERT layer: x = LN(x + Attn(x)); x = LN(x + FFN(x)). */
export class BertLayer {
  readonly qkv: Linear
  readonly proj: Linear
  readonly norm1: LayerNorm
  readonly fc1: Linear
  readonly fc2: Linear
  readonly norm2: LayerNorm
  constructor(p: Params, readonly dim: number, readonly numHeads: number, mlpSize: number) {
    this.qkv = new Linear(p.sub('attn').sub('qkv'), dim, 3 * dim)
    this.proj = new Linear(p.sub('attn').sub('proj'), dim, dim)
    this.norm1 = new LayerNorm(p.sub('norm1'), dim)
    this.fc1 = new Linear(p.sub('mlp').sub('fc1'), dim, mlpSize)
    this.fc2 = new Linear(p.sub('mlp').sub('fc2'), mlpSize, dim)
    this.norm2 = new LayerNorm(p.sub('norm2'), dim)
  }
  forward<T>(o: Ops<T>, x: T): T {
    const [, L] = o.shape(x) // x [B, L, d]
    const D = this.dim / this.numHeads
    const qkv = this.qkv.forward(o, x) // [B, L, 3·d]
    const head = (k: number) => o.transpose(o.reshape(o.slice(qkv, 2, k * this.dim, this.dim), [-1, L, this.numHeads, D]), [0, 2, 1, 3]) // [B, H, L, D]
    const attn = o.attention(head(0), head(1), head(2), 1 / Math.sqrt(D)) // [B, L, d]
    const h = this.norm1.forward(o, o.add(x, this.proj.forward(o, attn)))
    return this.norm2.forward(o, o.add(h, this.fc2.forward(o, o.geluTanh(this.fc1.forward(o, h)))))
  }
}

export class ImageBert {
  readonly tokenIn: Linear // bits [B, T, C] → [B, T, d]
  readonly classEmbed: Linear // one-hot [B, 1, K+1] → [B, 1, d] (no bias: a table)
  readonly positions: ParamRef // [T + 1, d]
  readonly embedNorm: LayerNorm
  readonly layers: BertLayer[]
  readonly head: Linear // [B, T, d] → [B, T, F·V]

  constructor(readonly params: MaskGitParams, private readonly p: Params = Params.root()) {
    const { hiddenSize: d, positions: T, bitsPerToken: C, subTokens: F, vocabulary: V, classes: K } = params
    this.tokenIn = new Linear(p.sub('token_in'), C, d)
    this.classEmbed = new Linear(p.sub('class_embed'), K + 1, d, false)
    this.positions = p.sub('position_embed').declare('weight', [T + 1, d])
    this.embedNorm = new LayerNorm(p.sub('embed_norm'), d)
    this.layers = Array.from({ length: params.depth }, (_, i) => new BertLayer(p.sub('layers').sub(i), d, params.numHeads, params.mlpSize))
    this.head = new Linear(p.sub('lm_head'), d, F * V)
  }

  parameters(): readonly ParamRef[] {
    return this.p.all()
  }

  /** bits [B, T, C] (masked sub-tokens' bits 0), classOneHot [B, 1, K+1] → logits [B, T, F·V]. */
  forward<T>(o: Ops<T>, bits: T, classOneHot: T): T {
    const { positions: Tn } = this.params
    // class token in front, then the image tokens, plus learned positions
    const x = o.concat([this.classEmbed.forward(o, classOneHot), this.tokenIn.forward(o, bits)], 1) // [B, T+1, d]
    let h = this.embedNorm.forward(o, o.add(x, o.param(this.positions)))
    for (const layer of this.layers) h = layer.forward(o, h)
    return this.head.forward(o, o.slice(h, 1, 1, Tn)) // image positions only
  }
}
