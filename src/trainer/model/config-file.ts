// Reads model configs in the reference layout (base.yaml or the golden config.json: `model`, `data`, `eval`
// sections; optional `dit_base` and `derived` stack sizes) or our own explicit-sizes JSON, as YAML or JSON.
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import {
  BASE_YAML_MODEL, DIT_B_4, buildConfig, fromReferenceModel, type ExplicitSizes, type FlowMoConfig,
  type ReferenceModelKeys, type SamplingConfig, type StackSizes,
} from './configs'

interface DerivedStack {
  hidden_size: number
  num_heads: number
  axes_dim: number[]
  mlp_hidden: number
  depth: number
  rope_theta?: number
  qkv_bias?: boolean
}

interface ReferenceDoc {
  name?: string
  model?: ReferenceModelKeys
  data?: { image_size?: number }
  eval?: { sampling?: { sample_steps?: number; schedule?: string; cfg?: number; cfg_interval?: string } }
  dit_base?: { hidden_size: number; mlp_ratio: number; num_heads: number; axes_dim: number[]; theta: number; qkv_bias: boolean }
  derived?: { encoder?: DerivedStack; decoder?: DerivedStack }
}

export async function loadConfigFile(path: string): Promise<FlowMoConfig> {
  const text = await readFile(path, 'utf8')
  let doc: unknown
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (e) {
    throw new Error(`cannot parse config ${path}: ${(e as Error).message}`)
  }
  if (!doc || typeof doc !== 'object') throw new Error(`config ${path} is not a mapping`)
  return configFromDocument(doc as Record<string, unknown>, path)
}

/** Explicit sizes (has `encoder`/`decoder` objects with hiddenSize) or the reference layout (has `model`). */
export function configFromDocument(doc: Record<string, unknown>, source = 'config'): FlowMoConfig {
  if ('encoder' in doc && 'decoder' in doc) return buildConfig(doc as unknown as ExplicitSizes)
  if (!('model' in doc)) throw new Error(`${source}: expected a reference config (a "model" section) or explicit sizes ("encoder"/"decoder")`)
  return fromReferenceDoc(doc as ReferenceDoc, source)
}

function fromReferenceDoc(doc: ReferenceDoc, source: string): FlowMoConfig {
  const m = { ...BASE_YAML_MODEL, ...doc.model }
  const s = doc.eval?.sampling ?? {}
  const sampling: Partial<SamplingConfig> = {
    ...(s.sample_steps !== undefined && { steps: s.sample_steps }),
    ...(s.schedule !== undefined && { schedule: s.schedule }),
    ...(s.cfg !== undefined && { cfg: s.cfg }),
    ...(s.cfg_interval !== undefined && { cfgInterval: s.cfg_interval }),
  }
  const name = doc.name ?? source
  const imageSize = doc.data?.image_size ?? 256
  const enc = doc.derived?.encoder
  const dec = doc.derived?.decoder
  if (enc && dec) {
    return buildConfig({
      name, imageSize, patchSize: m.patch_size, codeLength: m.code_length, contextDim: m.context_dim,
      codebookSizeForEntropy: m.codebook_size_for_entropy, encoder: fromDerived(enc), decoder: fromDerived(dec),
      enableMup: m.enable_mup, entropyLossWeight: m.entropy_loss_weight, commitLossWeight: m.commit_loss_weight, sampling,
    })
  }
  const b = doc.dit_base
  const base = b
    ? { hiddenSize: b.hidden_size, mlpRatio: b.mlp_ratio, numHeads: b.num_heads, axesDim: b.axes_dim, theta: b.theta, qkvBias: b.qkv_bias }
    : DIT_B_4
  return fromReferenceModel(m, imageSize, name, base, sampling)
}

function fromDerived(d: DerivedStack): StackSizes {
  return {
    hiddenSize: d.hidden_size, numHeads: d.num_heads, axesDim: d.axes_dim, depth: d.depth,
    mlpRatio: d.mlp_hidden / d.hidden_size, theta: d.rope_theta, qkvBias: d.qkv_bias,
  }
}
