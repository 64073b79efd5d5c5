// `flowmo convert`: our training checkpoint (step-N.safetensors with `model.` / `ema.` state dicts + step-N.optim.safetensors)
// ↔ the reference train.py's torch.save dict {total_steps, model_ema_state_dict, model_state_dict, optimizer_state_dict},
// plus the run's config.yaml in the reference layout. fp32 tensors are copied bit for bit, names in their order.
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { writeFileAtomic } from '../atomic-file'
import { CheckpointError, openWeights, stateDictPrefixes, totalStepsKey } from '../checkpoint/checkpoint'
import { openPth, type PthFile, type PthTensor } from '../checkpoint/pth'
import { PthTensors, type WriteProgress } from '../checkpoint/pth-writer'
import type { PyValue } from '../checkpoint/pickle-writer'
import { SafetensorsFile, writeSafetensors, type LazyTensorToWrite } from '../checkpoint/safetensors'
import { fromTorchAdam, toTorchAdam } from '../checkpoint/torch-adam'
import { configFromDocument, loadConfigFile } from '../model/config-file'
import type { FlowMoConfig } from '../model/configs'
import { referenceConfig, type ReferenceConfig } from '../model/config-yaml'
import { impliedConfig } from '../inference/infer-config'
import { CHECKPOINT_FORMAT, explicitSizes } from '../train/checkpointing'

export const officialKeys = { ema: 'model_ema_state_dict', raw: 'model_state_dict', optimizer: 'optimizer_state_dict' } as const

export interface ConvertRequest {
  checkpoint: string // .safetensors (ours) or .pth (official)
  out: string // the file to write: .pth or .safetensors (its optimiser file goes beside it)
  config?: string // model config file; default: the checkpoint's metadata, the run folder's config.yaml, else its shapes
  configOut?: string | null // where config.yaml goes when writing .pth (default: the run folder's; null: none)
  withOptimizer?: boolean // to .pth: include optimizer_state_dict when there is Adam state (default true)
  onProgress?: WriteProgress
  signal?: AbortSignal
}

export interface ConvertReport {
  written: string[] // every file, in the order written
  totalSteps: number
  stateDicts: string[] // what the output holds
  tensors: number // per state dict
  optimizer: boolean // Adam state carried over
  config: { source: string; reference?: ReferenceConfig }
  notes: string[]
}

/** `x/step-000500.safetensors` → `x/step-000500.optim.safetensors` (train/run-dir.ts naming). */
export function optimPathFor(modelPath: string): string {
  return `${modelPath.replace(/\.safetensors$/, '')}.optim.safetensors`
}

/** config.yaml of the run a checkpoint lives in: results/<exp>/config.yaml for results/<exp>/checkpoints/N.pth. */
export function runConfigPathFor(checkpointPath: string): string {
  const dir = dirname(checkpointPath)
  return join(basename(dir) === 'checkpoints' ? dirname(dir) : dir, 'config.yaml')
}

export async function convertToPth(r: ConvertRequest): Promise<ConvertReport> {
  await mkdir(dirname(r.out), { recursive: true })
  const st = await SafetensorsFile.open(r.checkpoint)
  const optimPath = optimPathFor(r.checkpoint)
  const optim = r.withOptimizer === false ? null : await openOptim(optimPath)
  try {
    const notes: string[] = []
    const meta = st.header.metadata
    const { raw, ema } = splitStateDicts(st, notes)
    const totalSteps = Number(meta[totalStepsKey] ?? 0)
    if (meta[totalStepsKey] === undefined) notes.push('no total_steps in the checkpoint: written as 0')
    const out = new PthTensors()
    const stateDict = (names: readonly Named[]) =>
      new Map<string, PyValue>(names.map((n) => [n.name, out.tensor({ shape: st.entry(n.full).shape, read: () => st.readTensor(n.full) })]))
    const root = new Map<string, PyValue>([
      [totalStepsKey, totalSteps], [officialKeys.ema, stateDict(ema)], [officialKeys.raw, stateDict(raw)],
    ])
    if (optim) root.set(officialKeys.optimizer, toTorchAdam(optimReader(optim), raw.map((n) => n.name), out, optimPath))
    else notes.push(`no Adam state in ${basename(optimPath)} beside the checkpoint: no optimizer_state_dict (train.py does not load one anyway)`)
    await out.write(r.out, root, r.onProgress, r.signal)
    const written = [r.out]
    const { config, source } = await configForSafetensors(r, meta)
    const configOut = r.configOut === undefined ? runConfigPathFor(r.out) : r.configOut
    const reference = referenceConfig(config, { seed: Number(meta.seed ?? 0), stage: meta.stage === '1b' ? '1b' : '1a', lr: optimLr(optim) })
    if (configOut !== null) {
      await writeFileAtomic(configOut, reference.yaml)
      written.push(configOut)
    }
    if (!reference.fitsReference) notes.push('the model is not the reference dit_b_4 base scaled by a width: train.py as shipped cannot build it (config.yaml lists its sizes under `derived`)')
    return {
      written, totalSteps, stateDicts: [officialKeys.ema, officialKeys.raw, ...(optim ? [officialKeys.optimizer] : [])],
      tensors: raw.length, optimizer: optim !== null, config: { source, reference }, notes,
    }
  } finally {
    await st.close()
    await optim?.close()
  }
}

interface Named { full: string; name: string } // name in the file, name in the state dict

/** Raw (`model.`) and EMA (`ema.`) tensors in file order; a plain state dict serves as both (noted). Every tensor must be fp32. */
function splitStateDicts(st: SafetensorsFile, notes: string[]): { raw: Named[]; ema: Named[] } {
  const byPrefix = new Map<string, Named[]>()
  for (const e of st.header.entries) {
    if (e.dtype !== 'F32') throw new CheckpointError(`${st.path}: tensor ${e.name} is ${e.dtype}; convert copies fp32 checkpoints bit for bit (the reference saves fp32)`)
    const prefix = Object.values(stateDictPrefixes).find((p) => e.name.startsWith(p)) ?? ''
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), { full: e.name, name: e.name.slice(prefix.length) }])
  }
  if (byPrefix.has('') && byPrefix.size > 1) throw new CheckpointError(`${st.path}: mixes prefixed (model./ema.) and plain tensor names`)
  const plain = byPrefix.get('')
  if (plain) notes.push('a plain state dict: written as both model_ema_state_dict and model_state_dict')
  const raw = plain ?? byPrefix.get(stateDictPrefixes.raw) ?? byPrefix.get(stateDictPrefixes.ema)
  const ema = plain ?? byPrefix.get(stateDictPrefixes.ema) ?? raw
  if (!raw || !ema) throw new CheckpointError(`${st.path}: no tensors`)
  if (!byPrefix.has(stateDictPrefixes.raw) && !plain) notes.push('no raw (model.) weights: the EMA is written as model_state_dict too')
  if (!byPrefix.has(stateDictPrefixes.ema) && !plain) notes.push('no EMA (ema.) weights: the raw weights are written as model_ema_state_dict too')
  return { raw, ema }
}

/** The optimiser file beside a checkpoint, or null when absent or holding no Adam groups (a fresh optimiser). */
async function openOptim(path: string): Promise<SafetensorsFile | null> {
  if (!existsSync(path)) return null
  const f = await SafetensorsFile.open(path)
  if ((JSON.parse(f.header.metadata.adam_groups ?? '[]') as unknown[]).length > 0) return f
  await f.close()
  return null
}

function optimReader(optim: SafetensorsFile) {
  const names = new Set(optim.header.entries.map((e) => e.name))
  return {
    metadata: optim.header.metadata,
    has: (n: string) => names.has(n),
    shape: (n: string) => optim.entry(n).shape,
    read: (n: string) => optim.readTensor(n),
  }
}

function optimLr(optim: SafetensorsFile | null): number | undefined {
  const groups = JSON.parse(optim?.header.metadata.adam_groups ?? '[]') as { lr: number }[]
  return groups[0]?.lr
}

async function configForSafetensors(r: ConvertRequest, meta: Record<string, string>): Promise<{ config: FlowMoConfig; source: string }> {
  if (r.config) return { config: await loadConfigFile(r.config), source: `file ${r.config}` }
  if (meta.config) return { config: configFromDocument(JSON.parse(meta.config) as Record<string, unknown>, `${r.checkpoint} metadata`), source: 'checkpoint metadata' }
  return impliedFromShapes(r.checkpoint)
}

async function impliedFromShapes(path: string): Promise<{ config: FlowMoConfig; source: string }> {
  const w = await openWeights(path)
  try {
    const implied = impliedConfig(w)
    return { config: implied.config, source: `tensor shapes (assumed: ${implied.assumed.join('; ')})` }
  } finally {
    await w.close()
  }
}

export async function convertToSafetensors(r: ConvertRequest): Promise<ConvertReport> {
  await mkdir(dirname(r.out), { recursive: true })
  const pth = await openPth(r.checkpoint)
  try {
    const notes: string[] = []
    const ema = pth.stateDicts.get(officialKeys.ema)
    const raw = pth.stateDicts.get(officialKeys.raw) ?? (pth.isBareStateDict ? pth.stateDicts.get('') : undefined)
    if (!ema && !raw) throw new CheckpointError(`${r.checkpoint}: no ${officialKeys.ema} or ${officialKeys.raw}; it holds ${[...pth.stateDicts.keys()].join(', ')}`)
    if (!raw) notes.push(`no ${officialKeys.raw}: only the EMA weights are written; to train on here, start a run with --init`)
    const steps = pth.scalars.get(totalStepsKey)
    const totalSteps = typeof steps === 'number' ? steps : 0
    if (typeof steps !== 'number') notes.push('no total_steps in the checkpoint: written as 0')
    const tensors = [...lazyTensors(raw, stateDictPrefixes.raw, r.checkpoint), ...lazyTensors(ema, stateDictPrefixes.ema, r.checkpoint)]
    const run = await runFacts(r)
    const meta = {
      format: CHECKPOINT_FORMAT, [totalStepsKey]: String(totalSteps), stage: run.stage, seed: String(run.seed),
      config: JSON.stringify(explicitSizes(run.config)), loader: 'null', elapsed_s: '0', converted_from: basename(r.checkpoint),
    }
    const optimPath = optimPathFor(r.out)
    const optim = await optimizerOf(pth, [...(raw ?? ema)!.keys()], r.checkpoint, notes)
    await writeSafetensors(optimPath, optim.tensors, { ...optim.metadata, [totalStepsKey]: String(totalSteps), format: CHECKPOINT_FORMAT })
    await writeSafetensors(r.out, tensors, meta) // last: a complete model file implies its optimiser file (run-dir.ts)
    return {
      written: [optimPath, r.out], totalSteps, stateDicts: [...(raw ? ['model'] : []), ...(ema ? ['ema'] : [])],
      tensors: (raw ?? ema)!.size, optimizer: optim.tensors.length > 0, config: { source: run.source }, notes,
    }
  } finally {
    await pth.close()
  }
}

function lazyTensors(dict: ReadonlyMap<string, PthTensor> | undefined, prefix: string, path: string): LazyTensorToWrite[] {
  return [...(dict ?? new Map<string, PthTensor>()).values()].map((t) => {
    if (t.dtype !== 'F32') throw new CheckpointError(`${path}: tensor ${t.name} is ${t.dtype}; convert copies fp32 checkpoints bit for bit`)
    return { name: `${prefix}${t.name}`, shape: t.shape, dtype: 'F32', read: t.read }
  })
}

async function optimizerOf(pth: PthFile, paramNames: string[], where: string, notes: string[]) {
  const dict = pth.root instanceof Map ? pth.root.get(officialKeys.optimizer) : undefined
  if (dict !== undefined) return fromTorchAdam(dict, paramNames, pth.readTensor, `${where}: ${officialKeys.optimizer}`)
  notes.push('no optimizer_state_dict (train.py never saves one): Adam starts fresh on resume, as it does in train.py')
  return { tensors: [], metadata: { adam_steps: '{}', adam_groups: '[]', adam_config: JSON.stringify({ betas: [0.9, 0.95], eps: 1e-8 }) } }
}

/** The model config, seed and stage: --config, else the run folder's config.yaml, else the tensor shapes. */
async function runFacts(r: ConvertRequest): Promise<{ config: FlowMoConfig; source: string; seed: number; stage: '1a' | '1b' }> {
  const yamlPath = runConfigPathFor(r.checkpoint)
  type RunYaml = Record<string, unknown> & { global_seed?: number; model?: { posttrain_sample?: boolean } }
  const doc = existsSync(yamlPath) ? (parseYaml(await readFile(yamlPath, 'utf8')) as RunYaml) : null
  const seed = Number(doc?.global_seed ?? 0)
  const stage = doc?.model?.posttrain_sample === true ? '1b' : '1a'
  if (r.config) return { config: await loadConfigFile(r.config), source: `file ${r.config}`, seed, stage }
  if (doc) return { config: configFromDocument({ ...doc, name: basename(dirname(yamlPath)) }, yamlPath), source: yamlPath, seed, stage }
  return { ...(await impliedFromShapes(r.checkpoint)), seed, stage }
}
