// Static shape rules for the traced ops (numpy broadcasting, reshape with -1, matmul). A dim of -1 is the
// dynamic batch: it passes through ops unchanged and is never multiplied out.
import { numel } from '../model/params'

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`)
  return a
}

/** Numpy broadcasting; a dynamic dim against 1 or another dynamic dim stays dynamic. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length)
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da === db || db === 1) return da
    if (da === 1) return db
    if (da === -1 || db === -1) return Math.max(da, db)
    throw new Error(`shapes [${a}] and [${b}] do not broadcast`)
  })
}

/**
 * The output shape of reshape and the ONNX shape operand to write for it. A target with one -1 is written
 * as is (ONNX infers that dim). When the input has a dynamic batch and the target keeps it in dim 0 next
 * to a second -1, dim 0 is written as 0 ("copy from the input"), which ONNX allows beside one -1.
 */
export function reshapeShapes(input: readonly number[], target: readonly number[]): { shape: number[]; operand: number[] } {
  const dynamicIn = input.includes(-1)
  const free = target.filter((d) => d === -1).length
  if (dynamicIn && free === 2 && target[0] === -1 && input[0] === -1) {
    const rest = reshapeShapes(input.slice(1), target.slice(1))
    return { shape: [-1, ...rest.shape], operand: [0, ...target.slice(1)] }
  }
  if (free > 1) throw new Error(`reshape target [${target}] has more than one -1`)
  const known = numel(target.filter((d) => d !== -1))
  if (dynamicIn) {
    // dim 0 may be the batch times a static factor ([B·L, D] → [B, L, D]), so only onnxruntime can check sizes
    if (target[0] !== -1) throw new Error(`reshape of dynamic-batch [${input}] must keep -1 in dim 0, got [${target}]`)
    return { shape: [...target], operand: [...target] }
  }
  const total = numel(input)
  if (free === 0 ? known !== total : total % known !== 0) throw new Error(`cannot reshape [${input}] to [${target}]`)
  return { shape: target.map((d) => (d === -1 ? total / known : d)), operand: [...target] }
}

/** a [..., M, K] · b [..., K, N] with broadcast leading dims. */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length < 2 || b.length < 2) throw new Error(`matmul needs rank ≥ 2, got [${a}] and [${b}]`)
  const [m, k] = a.slice(-2)
  const [kb, n] = b.slice(-2)
  if (k !== kb) throw new Error(`matmul inner dims differ: [${a}] · [${b}] (${k} vs ${kb})`)
  return [...broadcastShapes(a.slice(0, -2), b.slice(0, -2)), m, n]
}
