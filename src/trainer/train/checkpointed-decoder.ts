// Gradient checkpointing for the Stage-1B chain (torch.utils.checkpoint around each decoder call, models.py:611-621):
// the forward keeps only a call's inputs; the backward recomputes that call under its own tape and returns the
// gradients of z, t, code and of every decoder parameter (passed to the op as explicit inputs).
import * as tf from '@tensorflow/tfjs-core'
import { FlowMo } from '../model/flowmo'
import { TfOps } from '../model/tf-ops'
import type { ChainVelocity } from '../sample/chain'

/** Called at each call's activation peak (forward, and the recompute in the backward) to sample memory in tests. */
export type MemoryProbe = () => void

interface TapeState {
  state: { activeTape: unknown }
}

/** v(z, t) of the decoder with `codeIn` fixed; activations are recomputed in the backward pass. */
export function checkpointedVelocity(
  model: FlowMo, weights: ReadonlyMap<string, tf.Tensor>, codeIn: tf.Tensor, probe?: MemoryProbe,
): ChainVelocity {
  const names = model.parameters().filter((p) => p.name.startsWith('decoder.')).map((p) => p.name)
  const others = new Map([...weights].filter(([n]) => !n.startsWith('decoder.')))
  const decodeWith = (z: tf.Tensor, t: tf.Tensor, code: tf.Tensor, params: tf.Tensor[]) => {
    const map = new Map(others)
    names.forEach((n, i) => map.set(n, params[i]))
    return model.decode(new TfOps(map), z, code, t)
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc
    const [z, t, code, ...params] = args as tf.Tensor[]
    save([z, t, code])
    const value = decodeWith(z, t, code, params)
    probe?.()
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => recompute(saved, params, dy, (zz, tt, cc, pp) => {
      const v = decodeWith(zz, tt, cc, pp)
      probe?.()
      return v
    })
    return { value, gradFunc }
  })
  return (z, t) => op(z, t, codeIn, ...names.map((n) => weights.get(n)!)) as tf.Tensor
}

type Recomputed = (z: tf.Tensor, t: tf.Tensor, code: tf.Tensor, params: tf.Tensor[]) => tf.Tensor

/**
 * Gradients of ⟨f(z, t, code, θ), dy⟩ with respect to every input. The nested gradient computation runs while the
 * outer one is walking its tape; tfjs keeps one active tape, so the outer tape is put back afterwards.
 */
function recompute(saved: tf.Tensor[], params: tf.Tensor[], dy: tf.Tensor, f: Recomputed): tf.Tensor[] {
  const engine = tf.engine() as unknown as TapeState
  const outerTape = engine.state.activeTape
  try {
    return tf.tidy(() => {
      const xs = [...saved, ...params]
      const { value, grads } = tf.engine().gradients(() => f(xs[0], xs[1], xs[2], xs.slice(3)), xs, dy, true)
      value.dispose()
      return grads.map((g, i) => g ?? tf.zerosLike(xs[i])) // parameters outside the graph (the last block's txt stream)
    })
  } finally {
    engine.state.activeTape = outerTape
  }
}
