// FlowMo: a Flux encoder that reads the image into L latent tokens, a quantiser (quantizer.ts), and a Flux
// decoder that predicts the rectified-flow velocity from (x_t, code, t). Port of flowmo/models.py `FlowMo`.
import type { Ops, ParamRef } from './ops'
import { Params } from './params'
import { Flux } from './flux'
import type { FlowMoConfig } from './configs'

export class FlowMo {
  readonly encoder: Flux
  readonly decoder: Flux

  constructor(readonly config: FlowMoConfig, private readonly p: Params = Params.root()) {
    const geometry = { imageSize: config.imageSize, patchSize: config.patchSize, codeLength: config.codeLength }
    this.encoder = new Flux(p.sub('encoder'), config.encoder, geometry)
    this.decoder = new Flux(p.sub('decoder'), config.decoder, geometry)
  }

  /** Every parameter in state-dict order (608 tensors for FlowMo-Lo), without allocating any. */
  parameters(): readonly ParamRef[] {
    return this.p.all()
  }

  /**
   * x [B, 3, S, S] in [−1, 1] → code_pre [B, L, C] (the encoder's txt head; its txt input is zeros). A continuous
   * latent ends with a non-affine LayerNorm over C (paper Table 3, as DiTo), so the export carries it too.
   */
  encode<T>(o: Ops<T>, x: T): T {
    const zeros = o.fill(x, [this.config.codeLength, this.config.contextDim], 0)
    const code = this.encoder.forward(o, x, zeros, null, { img: false, txt: true }).txt!
    return this.config.quantizer.kind === 'continuous' ? o.layerNorm(code, 1e-6) : code
  }

  /** Velocity v̂ ≈ ε − x for x_t [B, 3, S, S], codeIn [B, L, C+1] (`codeInput`), t [B]. */
  decode<T>(o: Ops<T>, xt: T, codeIn: T, t: T): T {
    return this.decoder.forward(o, xt, codeIn, t, { img: true, txt: false }).img!
  }
}

/** The decoder's txt input [code, 1]: [B, L, C] → [B, L, C+1]. The CFG null code is all zeros (mask channel too). */
export function codeInput<T>(o: Ops<T>, code: T): T {
  const [, L] = o.shape(code)
  return o.concat([code, o.fill(code, [L, 1], 1)], 2)
}
