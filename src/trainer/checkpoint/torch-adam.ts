// Our Adam state (train/optim.ts snapshot: tensors `exp_avg.<name>` / `exp_avg_sq.<name>`, metadata adam_steps,
// adam_groups, adam_config) ↔ torch.optim.Adam.state_dict(): {'state': {i: {'step', 'exp_avg', 'exp_avg_sq'}},
// 'param_groups': [{lr, betas, …, 'params': [i…]}]}, parameters numbered across the groups in order. The groups are
// the reference train.py's: encoder then decoder parameters in named_parameters order, or only the decoder once the
// encoder is frozen (its optimiser is rebuilt then).
import { CheckpointError } from './checkpoint-error'
import type { LazyTensorToWrite } from './safetensors'
import { pyFloat, type PyValue } from './pickle-writer'
import type { PthTensors } from './pth-writer'
import { isTensorRef, type TensorRef } from './torch-globals'

export interface AdamMetadata { adam_steps: string; adam_groups: string; adam_config: string }

/** An optimiser file's tensors by name, read on demand. */
export interface OptimTensorReader {
  readonly metadata: Readonly<Record<string, string>>
  has(name: string): boolean
  shape(name: string): readonly number[]
  read(name: string): Promise<Float32Array>
}

interface GroupMeta { name: string; lr: number }

/** The params of each group, in the order of the model's state dict (= named_parameters for FlowMo). */
function groupParams(groupName: string, paramNames: readonly string[], where: string): string[] {
  if (groupName !== 'encoder' && groupName !== 'decoder') {
    throw new CheckpointError(`${where}: optimiser group "${groupName}" is not one of train.py's (encoder, decoder)`)
  }
  return paramNames.filter((n) => n.startsWith(`${groupName}.`))
}

/** torch's Adam state_dict for our snapshot; tensors are registered with `out` and read when the .pth is written. */
export function toTorchAdam(optim: OptimTensorReader, paramNames: readonly string[], out: PthTensors, where: string): PyValue {
  const groups = JSON.parse(optim.metadata.adam_groups ?? '[]') as GroupMeta[]
  const steps = JSON.parse(optim.metadata.adam_steps ?? '{}') as Record<string, number>
  const cfg = JSON.parse(optim.metadata.adam_config ?? '{"betas":[0.9,0.95],"eps":1e-8}') as { betas: [number, number]; eps: number }
  const state = new Map<number, PyValue>()
  const paramGroups: PyValue[] = []
  let index = 0
  for (const g of groups) {
    const ids: number[] = []
    for (const name of groupParams(g.name, paramNames, where)) {
      const step = steps[name]
      if (step !== undefined) state.set(index, adamSlot(optim, name, step, out, where))
      ids.push(index++)
    }
    paramGroups.push(new Map<string, PyValue>([
      ['lr', pyFloat(g.lr)], ['betas', Object.freeze([pyFloat(cfg.betas[0]), pyFloat(cfg.betas[1])])], ['eps', pyFloat(cfg.eps)],
      ['weight_decay', pyFloat(0)], ['amsgrad', false], ['maximize', false], ['foreach', null], ['capturable', false],
      ['differentiable', false], ['fused', null], ['params', ids],
    ]))
  }
  return new Map<string, PyValue>([['state', state], ['param_groups', paramGroups]])
}

function adamSlot(optim: OptimTensorReader, name: string, step: number, out: PthTensors, where: string): PyValue {
  const moment = (kind: string) => {
    const key = `${kind}.${name}`
    if (!optim.has(key)) throw new CheckpointError(`${where}: optimiser state has a step for ${name} but no ${kind}`)
    return out.tensor({ shape: optim.shape(key), read: () => optim.read(key) })
  }
  return new Map<string, PyValue>([
    ['step', out.tensor({ shape: [], read: async () => Float32Array.of(step) })], // torch ≥ 1.12 keeps step as a float32 tensor
    ['exp_avg', moment('exp_avg')],
    ['exp_avg_sq', moment('exp_avg_sq')],
  ])
}

/** Our snapshot (tensors + metadata) from a torch Adam state_dict read out of a .pth. */
export async function fromTorchAdam(
  dict: unknown, paramNames: readonly string[], readTensor: (t: TensorRef) => Promise<Float32Array>, where: string,
): Promise<{ tensors: LazyTensorToWrite[]; metadata: AdamMetadata }> {
  const state = dict instanceof Map ? dict.get('state') : undefined
  const groups = dict instanceof Map ? dict.get('param_groups') : undefined
  if (!(state instanceof Map) || !Array.isArray(groups)) throw new CheckpointError(`${where}: optimizer_state_dict has no state / param_groups`)
  const names = groups.length === 1 ? ['decoder'] : groups.length === 2 ? ['encoder', 'decoder'] : null
  if (!names) throw new CheckpointError(`${where}: optimizer_state_dict has ${groups.length} param groups; train.py's Adam has 2 (encoder, decoder) or 1 (decoder)`)
  const tensors: LazyTensorToWrite[] = []
  const steps: Record<string, number> = {}
  const metaGroups: GroupMeta[] = []
  let betas: [number, number] = [0.9, 0.95]
  let eps = 1e-8
  for (const [gi, group] of groups.entries()) {
    const params = groupParams(names[gi]!, paramNames, where)
    const ids = group instanceof Map ? group.get('params') : undefined
    if (!Array.isArray(ids) || ids.length !== params.length) {
      throw new CheckpointError(`${where}: param group ${gi} lists ${Array.isArray(ids) ? ids.length : 'no'} params, the ${names[gi]} has ${params.length}`)
    }
    metaGroups.push({ name: names[gi]!, lr: Number(group.get('lr')) })
    ;[betas, eps] = [group.get('betas') as [number, number], Number(group.get('eps'))]
    for (const [k, id] of ids.entries()) {
      const slot = state.get(id)
      if (!(slot instanceof Map)) continue // never stepped: torch keeps no state for it
      const name = params[k]!
      steps[name] = await stepOf(slot.get('step'), readTensor, `${where}: Adam state ${id} (${name})`)
      for (const kind of ['exp_avg', 'exp_avg_sq'] as const) {
        const t = slot.get(kind)
        if (!isTensorRef(t)) throw new CheckpointError(`${where}: Adam state ${id} (${name}) has no ${kind} tensor`)
        tensors.push({ name: `${kind}.${name}`, shape: t.shape, dtype: 'F32', read: () => readTensor(t) })
      }
    }
  }
  return {
    tensors,
    metadata: { adam_steps: JSON.stringify(steps), adam_groups: JSON.stringify(metaGroups), adam_config: JSON.stringify({ betas: [...betas], eps }) },
  }
}

/** A step count stored as a number (torch < 1.12) or a 0-d tensor. */
async function stepOf(step: unknown, readTensor: (t: TensorRef) => Promise<Float32Array>, where: string): Promise<number> {
  const n = typeof step === 'number' ? step : isTensorRef(step) && step.shape.length === 0 ? (await readTensor(step))[0]! : NaN
  if (!Number.isSafeInteger(n) || n < 0) throw new CheckpointError(`${where}: step is not a count`)
  return n
}
