// A run's config.yaml in the reference layout: every key of flowmo/configs/base.yaml in its order (what train.py's
// `OmegaConf.save(config, "config.yaml")` writes), with the model's sizes as `model.mup_width` / `enc_mup_width` on the
// reference's dit_b_4 base. Floats are written with a decimal point and a signed exponent, which PyYAML (YAML 1.1)
// needs to read them as floats. `officialOverrides` gives the `key=value` list that makes train.py build this config.
import { DIT_B_4, widthSizes, type FlowMoConfig, type StackSizes } from './configs'

/** A value base.yaml writes as a float. */
class Float { constructor(readonly value: number) {} }
const f = (x: number) => new Float(x)
type YamlValue = number | string | boolean | null | Float | readonly number[] | YamlDoc
interface YamlDoc { [key: string]: YamlValue }

/** flowmo/configs/base.yaml, key for key. */
function baseYaml(): YamlDoc {
  return {
    global_seed: 0,
    data: {
      batch_size: 16, eval_batch_size: 5, image_size: 256, num_workers: 8,
      imagenet_train_index: 'imagenet_train_index_overall.json', imagenet_train_tar: 'ILSVRC2012_img_train.tar',
      imagenet_val_index: 'imagenet_val_index_overall.json', imagenet_val_tar: 'ILSVRC2012_img_val.tar',
    },
    model: {
      enable_mup: true, patch_size: 4, mup_width: 6, enc_mup_width: 4, fix_initial_norms: true, fix_norm_mode: 'l2',
      quantization_type: 'lfq', code_length: 256, context_dim: 18, codebook_size_for_entropy: 9,
      entropy_loss_weight: f(0.0025), commit_loss_weight: f(0.000625), enc_depth: 8, dec_depth: 16, enable_cfg: true,
      ema_decay: f(0.9999), posttrain_sample: false, posttrain_sample_enable_cfg: false, posttrain_sample_k: 8,
    },
    opt: {
      lr: f(1e-4), n_grad_acc: 2, schedule: 'fat_lognormal', freeze_encoder: false, freeze_encoder_after: 200000,
      weight_decay: f(0), log_norms: true, lpips_weight: f(0.1), lpips_mode: 'vgg', beta1: f(0.9), beta2: f(0.95),
    },
    trainer: { enable_bfloat16: true, log_every: 100, checkpoint_every: 5000, max_steps: 10000000000000, keep_every: 200000, gs_checkpoint_bucket: '' },
    eval: {
      reconstruction: true, state_dict_key: 'model_ema_state_dict', eval_dir: '', eval_baseline: '', continuous: true,
      force_ckpt_path: null, subsample_rate: 1,
      sampling: { sample_steps: 25, schedule: 'pow_0.25', cfg: f(1.5), mode: 'rf', cfg_interval: '(.17,1.02)' },
    },
  }
}

export interface RunFacts {
  seed: number // global_seed
  stage: '1a' | '1b' // 1b: model.posttrain_sample
  lr?: number // the optimiser's learning rate, when known
}

export interface ReferenceConfig {
  yaml: string
  fitsReference: boolean // false: a stack is not dit_b_4 scaled by a width, which train.py cannot build as it ships
  overrides: string[] // key=value for train.py, where the config differs from base.yaml
}

export function referenceConfig(c: FlowMoConfig, run: RunFacts): ReferenceConfig {
  const doc = baseYaml()
  const encWidth = widthOf(c.encoder)
  const decWidth = widthOf(c.decoder)
  const headDim = c.decoder.hiddenSize / c.decoder.numHeads
  Object.assign(doc.data as YamlDoc, { image_size: c.imageSize })
  Object.assign(doc.model as YamlDoc, {
    enable_mup: Math.abs(c.decoder.attentionScale - 8 / headDim) < 1e-12, patch_size: c.patchSize,
    ...(decWidth !== null && { mup_width: decWidth }), ...(encWidth !== null && { enc_mup_width: encWidth }),
    code_length: c.codeLength, context_dim: c.contextDim, codebook_size_for_entropy: c.codebookSizeForEntropy,
    entropy_loss_weight: f(c.entropyLossWeight), commit_loss_weight: f(c.commitLossWeight),
    enc_depth: c.encoder.depth, dec_depth: c.decoder.depth, posttrain_sample: run.stage === '1b',
  })
  doc.global_seed = run.seed
  if (run.lr !== undefined) (doc.opt as YamlDoc).lr = f(run.lr)
  const s = c.sampling
  Object.assign((doc.eval as YamlDoc).sampling as YamlDoc, { sample_steps: s.steps, schedule: s.schedule, cfg: f(s.cfg), cfg_interval: s.cfgInterval })
  const fitsReference = encWidth !== null && decWidth !== null
  if (!fitsReference) doc.derived = { encoder: derived(c.encoder), decoder: derived(c.decoder) } // read back by config-file.ts
  return { yaml: emit(doc, 0), fitsReference, overrides: differences(baseYaml(), doc, '') }
}

/** The width w for which the reference builds exactly this stack, or null. */
function widthOf(p: FlowMoConfig['encoder']): number | null {
  const w = p.hiddenSize / (DIT_B_4.hiddenSize / 4)
  if (!Number.isInteger(w) || w < 1) return null
  const ref: StackSizes = widthSizes(w, p.depth)
  const same = ref.numHeads === p.numHeads && ref.axesDim.every((d, i) => d === p.axesDim[i]) && ref.mlpRatio === p.mlpRatio
    && ref.theta === p.theta && ref.qkvBias === p.qkvBias
  return same ? w : null
}

function derived(p: FlowMoConfig['encoder']): YamlDoc {
  return {
    hidden_size: p.hiddenSize, num_heads: p.numHeads, axes_dim: [...p.axesDim], mlp_hidden: p.hiddenSize * p.mlpRatio,
    depth: p.depth, rope_theta: p.theta, qkv_bias: p.qkvBias,
  }
}

function emit(doc: YamlDoc, indent: number): string {
  const pad = ' '.repeat(indent)
  return Object.entries(doc).map(([k, v]) => {
    if (isDoc(v)) return `${pad}${k}:\n${emit(v, indent + 2)}`
    return `${pad}${k}: ${scalar(v)}`
  }).join('\n') + (indent === 0 ? '\n' : '')
}

function isDoc(v: YamlValue): v is YamlDoc {
  return typeof v === 'object' && v !== null && !(v instanceof Float) && !Array.isArray(v)
}

function scalar(v: Exclude<YamlValue, YamlDoc>): string {
  if (v instanceof Float) return floatText(v.value)
  if (Array.isArray(v)) return `[${v.join(', ')}]`
  if (typeof v === 'string') return JSON.stringify(v)
  return String(v)
}

/** 1e-4 → "0.0001", 1 → "1.0", 1e-8 → "1.0e-08": a dot always, and a signed exponent (PyYAML's float pattern). */
export function floatText(x: number): string {
  const text = String(x)
  const [mantissa, exponent] = text.split('e')
  const withDot = mantissa!.includes('.') ? mantissa! : `${mantissa}.0`
  if (exponent === undefined) return withDot
  const sign = exponent.startsWith('-') ? '-' : '+'
  return `${withDot}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`
}

function differences(base: YamlDoc, doc: YamlDoc, prefix: string): string[] {
  return Object.entries(doc).flatMap(([k, v]) => {
    const b = base[k]
    if (k === 'derived') return []
    if (isDoc(v)) return differences(isDoc(b ?? null) ? (b as YamlDoc) : {}, v, `${prefix}${k}.`)
    return scalar(v) === scalar(b as Exclude<YamlValue, YamlDoc>) ? [] : [`${prefix}${k}=${scalar(v).replace(/^"(.*)"$/, '$1')}`]
  })
}
