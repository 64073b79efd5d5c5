// The Flux double-stream transformer (no single-stream blocks), used as FlowMo's encoder and decoder.
// Port of flowmo/models.py `Flux` (Flux model.py), with patchify/unpatchify and the [txt ; img] RoPE ids.
import type { Ops } from './ops'
import type { Params } from './params'
import { DoubleStreamBlock, LastLayer, Linear, MLPEmbedder } from './layers'
import { embedND, prepareIds, ropeTensors, timestepEmbedding, type RopeTable } from './math'

/** Shape of one Flux stack (validated by `configs.ts`). */
export interface FluxParams {
  readonly inChannels: number // 3·P², the patch vector
  readonly txtInDim: number // C for the encoder, C + 1 for the decoder
  readonly hiddenSize: number
  readonly numHeads: number
  readonly axesDim: readonly number[] // RoPE dims per axis, sum = head_dim
  readonly mlpRatio: number
  readonly depth: number
  readonly theta: number
  readonly qkvBias: boolean
  readonly attentionScale: number // 8/head_dim with μP, else 1/√head_dim
}

/** Geometry shared by encoder and decoder. */
export interface FluxGeometry {
  readonly imageSize: number
  readonly patchSize: number
  readonly codeLength: number
}

export class Flux {
  readonly timeIn: MLPEmbedder
  readonly imgIn: Linear
  readonly txtIn: Linear
  readonly doubleBlocks: DoubleStreamBlock[]
  readonly finalLayerImg: LastLayer
  readonly finalLayerTxt: LastLayer
  readonly rope: RopeTable

  constructor(p: Params, readonly params: FluxParams, readonly geometry: FluxGeometry) {
    const { hiddenSize: H, inChannels, txtInDim } = params
    this.timeIn = new MLPEmbedder(p.sub('time_in'), 256, H)
    this.imgIn = new Linear(p.sub('img_in'), inChannels, H)
    this.txtIn = new Linear(p.sub('txt_in'), txtInDim, H)
    this.doubleBlocks = Array.from(
      { length: params.depth },
      (_, i) => new DoubleStreamBlock(p.sub('double_blocks').sub(i), H, params.numHeads, params.mlpRatio, params.qkvBias, params.attentionScale),
    )
    this.finalLayerImg = new LastLayer(p.sub('final_layer_img'), H, inChannels)
    this.finalLayerTxt = new LastLayer(p.sub('final_layer_txt'), H, txtInDim)
    const grid = geometry.imageSize / geometry.patchSize
    this.rope = embedND(prepareIds(geometry.codeLength, grid, grid), params.axesDim, params.theta)
  }

  /**
   * img [B, 3, S, S] pixels, txt [B, L, txtInDim], t [B] or null (no time condition).
   * Returns only the streams asked for: the image head (unpatchified, [B, 3, S, S]) and/or the txt head [B, L, txtInDim].
   */
  forward<T>(o: Ops<T>, imgPixels: T, txt: T, t: T | null, want: { img: boolean; txt: boolean }): { img?: T; txt?: T } {
    let img = this.imgIn.forward(o, patchify(o, imgPixels, this.geometry.patchSize)) // [B, N, H]
    let tx = this.txtIn.forward(o, txt) // [B, L, H]
    const vec = t ? this.timeIn.forward(o, timestepEmbedding(o, t)) : null // [B, H]
    const pe = ropeTensors(o, this.rope) // cos, sin [L + N, D]; swap [D, D]
    this.doubleBlocks.forEach((block, i) => {
      const last = i === this.doubleBlocks.length - 1
      ;[img, tx] = block.forward(o, img, tx, vec, pe, { img: !last || want.img, txt: !last || want.txt })
    })
    return {
      img: want.img ? unpatchify(o, this.finalLayerImg.forward(o, img, vec), this.geometry) : undefined,
      txt: want.txt ? this.finalLayerTxt.forward(o, tx, vec) : undefined,
    }
  }
}

/** "b c (gh ph) (gw pw) -> b (gh gw) (ph pw c)": [B, 3, S, S] → [B, N, 3P²], channel fastest. */
export function patchify<T>(o: Ops<T>, x: T, P: number): T {
  const [, C, S] = o.shape(x)
  const g = S / P
  const x6 = o.reshape(x, [-1, C, g, P, g, P]) // b c gh ph gw pw
  return o.reshape(o.transpose(x6, [0, 2, 4, 3, 5, 1]), [-1, g * g, P * P * C]) // b (gh gw) (ph pw c)
}

/** Inverse of `patchify`: [B, N, 3P²] → [B, 3, S, S]. */
export function unpatchify<T>(o: Ops<T>, x: T, geo: FluxGeometry): T {
  const P = geo.patchSize
  const g = geo.imageSize / P
  const C = o.shape(x)[2] / (P * P)
  const x6 = o.reshape(x, [-1, g, g, P, P, C]) // b gh gw ph pw c
  return o.reshape(o.transpose(x6, [0, 5, 1, 3, 2, 4]), [-1, C, geo.imageSize, geo.imageSize])
}
