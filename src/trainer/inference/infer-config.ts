// The config a checkpoint implies. Our own checkpoints carry it in their metadata; for the official ones it is read
// off the tensor shapes, and what shapes cannot tell (image size, code length, RoPE split) takes the reference's values.
import type { LoadedWeights, TensorRecord } from '../checkpoint/checkpoint'
import { CheckpointError } from '../checkpoint/checkpoint'
import { buildConfig, type FlowMoConfig, type StackSizes } from '../model/configs'
import { configFromDocument } from '../model/config-file'

export interface ImpliedConfig {
  config: FlowMoConfig
  source: 'metadata' | 'shapes'
  assumed: string[] // values not determined by the checkpoint, with what was assumed
}

export function impliedConfig(w: LoadedWeights): ImpliedConfig {
  const meta = w.metadata.config
  if (meta) return { config: configFromDocument(JSON.parse(meta) as Record<string, unknown>, `${w.path} metadata`), source: 'metadata', assumed: [] }
  return fromShapes(w)
}

function fromShapes(w: LoadedWeights): ImpliedConfig {
  const shape = (name: string): number[] => {
    const t: TensorRecord | undefined = w.tensors.get(name)
    if (!t) throw new CheckpointError(`${w.path} is not a FlowMo state dict: it has no ${name}`)
    return t.shape
  }
  const [, patchVec] = shape('encoder.img_in.weight')
  const patchSize = Math.round(Math.sqrt(patchVec / 3))
  const contextDim = shape('encoder.txt_in.weight')[1]
  const assumed = ['image size 256', 'code length 256 (RoPE ids; not stored in weights)']
  const G = [9, 14, 12, 8, 7, 6, 5, 4, 3, 2, 1].find((g) => contextDim % g === 0)!
  assumed.push(`codebook_size_for_entropy ${G} (training only)`)
  const stackOf = (prefix: string): StackSizes => {
    const hidden = shape(`${prefix}.img_in.weight`)[0]
    const headDim = shape(`${prefix}.double_blocks.0.img_attn.norm.query_norm.scale`)[0]
    const axesDim = [2, 7, 7].map((a) => (a * headDim) / 16)
    if (!axesDim.every((d) => Number.isInteger(d) && d % 2 === 0)) {
      throw new CheckpointError(`${w.path}: head_dim ${headDim} gives the RoPE split [${axesDim}] (reference [2,7,7]·head_dim/16), which is not all even; pass --config`)
    }
    let depth = 0
    while (w.tensors.has(`${prefix}.double_blocks.${depth}.img_mod.lin.weight`)) depth++
    return {
      hiddenSize: hidden, numHeads: hidden / headDim, depth, mlpRatio: shape(`${prefix}.double_blocks.0.img_mlp.0.weight`)[0] / hidden,
      axesDim, qkvBias: w.tensors.has(`${prefix}.double_blocks.0.img_attn.qkv.bias`),
    }
  }
  assumed.push('RoPE axes [2,7,7]·head_dim/16 (the reference split)')
  const config = buildConfig({
    name: 'from checkpoint shapes', imageSize: 256, patchSize, codeLength: 256, contextDim, codebookSizeForEntropy: G,
    encoder: stackOf('encoder'), decoder: stackOf('decoder'),
  })
  return { config, source: 'shapes', assumed }
}
