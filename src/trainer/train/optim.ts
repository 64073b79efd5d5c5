// Adam exactly as torch.optim.Adam (what MuAdam reduces to, spec §2.6/§3.2): β (0.9, 0.95), ε 1e-8, bias
// correction, no weight decay unless a group asks for torch.optim.AdamW's decoupled one (Stage 2), per-parameter step counts, named parameter groups with their own lr.
// Parameters without a gradient are skipped, as torch skips `p.grad is None`.
import * as tf from '@tensorflow/tfjs-core'
import type { FloatTensorToWrite } from '../checkpoint/safetensors'

export interface AdamConfig {
  betas: [number, number] // (0.9, 0.95)
  eps: number // 1e-8
}
export const ADAM_DEFAULTS: AdamConfig = { betas: [0.9, 0.95], eps: 1e-8 }

export interface ParamGroup {
  readonly name: string // 'encoder' | 'decoder'
  lr: number // e.g. 1e-4
  readonly params: readonly string[] // PyTorch names
  readonly weightDecay?: number // decoupled (torch AdamW: p ← p·(1 − lr·wd) before the step); default 0 = Adam
}

interface AdamSlot {
  m: tf.Variable // exp_avg
  v: tf.Variable // exp_avg_sq
  step: number
}

/** Saved form: tensors `exp_avg.<name>`, `exp_avg_sq.<name>`; steps and group lrs go into metadata. */
export interface AdamSnapshot {
  tensors: FloatTensorToWrite[]
  metadata: Record<string, string>
}

export class Adam {
  private readonly slots = new Map<string, AdamSlot>()

  constructor(readonly groups: ParamGroup[], readonly cfg: AdamConfig = ADAM_DEFAULTS) {}

  /** One optimiser step: every parameter of every group that has a gradient in `grads` (keyed by name). */
  step(vars: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const group of this.groups) {
      for (const name of group.params) {
        const g = grads.get(name)
        const p = vars.get(name)
        if (g && p) this.update(name, p, g, group.lr, group.weightDecay ?? 0)
      }
    }
  }

  private update(name: string, p: tf.Variable, g: tf.Tensor, lr: number, weightDecay: number): void {
    const [b1, b2] = this.cfg.betas
    const slot = this.slot(name, p)
    slot.step += 1
    const bc1 = 1 - b1 ** slot.step
    const bc2Sqrt = Math.sqrt(1 - b2 ** slot.step)
    tf.tidy(() => {
      if (weightDecay > 0) p.assign(tf.mul(p, 1 - lr * weightDecay))
      slot.m.assign(tf.add(tf.mul(slot.m, b1), tf.mul(g, 1 - b1)))
      slot.v.assign(tf.add(tf.mul(slot.v, b2), tf.mul(tf.square(g), 1 - b2)))
      const denom = tf.add(tf.div(tf.sqrt(slot.v), bc2Sqrt), this.cfg.eps)
      p.assign(tf.sub(p, tf.mul(tf.div(slot.m, denom), lr / bc1)))
    })
  }

  private slot(name: string, p: tf.Variable): AdamSlot {
    let s = this.slots.get(name)
    if (!s) {
      s = { m: stateVariable(tf.zerosLike(p)), v: stateVariable(tf.zerosLike(p)), step: 0 }
      this.slots.set(name, s)
    }
    return s
  }

  /** Step count of one parameter (0 before its first update). */
  stepOf(name: string): number {
    return this.slots.get(name)?.step ?? 0
  }

  async snapshot(): Promise<AdamSnapshot> {
    const tensors: FloatTensorToWrite[] = []
    const steps: Record<string, number> = {}
    for (const [name, s] of this.slots) {
      steps[name] = s.step
      const shape = s.m.shape
      tensors.push({ name: `exp_avg.${name}`, shape, dtype: 'F32', data: (await s.m.data()) as Float32Array })
      tensors.push({ name: `exp_avg_sq.${name}`, shape, dtype: 'F32', data: (await s.v.data()) as Float32Array })
    }
    const groups = this.groups.map((g) => ({ name: g.name, lr: g.lr }))
    return { tensors, metadata: { adam_steps: JSON.stringify(steps), adam_groups: JSON.stringify(groups), adam_config: JSON.stringify(this.cfg) } }
  }

  /** Restores moments and step counts saved by `snapshot` (only for parameters still in a group). */
  restore(tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, metadata: Record<string, string>): void {
    const steps = JSON.parse(metadata.adam_steps ?? '{}') as Record<string, number>
    const inGroups = new Set(this.groups.flatMap((g) => g.params))
    this.dispose()
    for (const [name, step] of Object.entries(steps)) {
      if (!inGroups.has(name)) continue
      const m = tensors.get(`exp_avg.${name}`)
      const v = tensors.get(`exp_avg_sq.${name}`)
      if (!m || !v) throw new Error(`optimiser state has no moments for ${name}`)
      this.slots.set(name, { m: stateVariable(tf.tensor(m.data, [...m.shape])), v: stateVariable(tf.tensor(v.data, [...v.shape])), step })
    }
  }

  /** Moments by parameter and the step count, for an engine that keeps Adam's state itself (train/ort-trainer.ts). */
  async moments(): Promise<{ m: Map<string, Float32Array>; v: Map<string, Float32Array>; step: number }> {
    const m = new Map<string, Float32Array>()
    const v = new Map<string, Float32Array>()
    let step = 0
    for (const [name, s] of this.slots) {
      m.set(name, (await s.m.data()) as Float32Array) // sync point: at engine start
      v.set(name, (await s.v.data()) as Float32Array)
      step = Math.max(step, s.step)
    }
    return { m, v, step }
  }

  /** Replaces the moments of every given parameter (all at `step`), shaped like its variable in `vars`. */
  setMoments(state: { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array>; step: number }, vars: ReadonlyMap<string, tf.Variable>): void {
    for (const [name, data] of state.m) {
      const v = state.v.get(name)
      const shape = vars.get(name)?.shape
      if (!v || !shape) throw new Error(`optimiser state for ${name} has no second moment or no parameter`)
      const old = this.slots.get(name)
      if (old) tf.dispose([old.m, old.v])
      this.slots.set(name, { m: stateVariable(tf.tensor(data, shape)), v: stateVariable(tf.tensor(v, shape)), step: state.step })
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v])
    this.slots.clear()
  }
}

/** A non-trainable variable that takes over `t` (the temporary is released; tidy never disposes variables). */
function stateVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, false)
  t.dispose()
  return v
}
