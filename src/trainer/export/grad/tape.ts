// The gradient tape: which values depend on a parameter, how each recorded op maps its output gradient to
// its inputs' gradients (as emitted graph nodes), and the reverse walk that accumulates them. Gradients of
// slices are kept as pieces and joined by one Concat when they tile the sliced axis (the qkv split, the
// modulation chunks), instead of one Pad and one Add per slice.
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'

/** The gradient of `x[begin : begin + size]` along `axis`: g covers only that range. */
export interface SlicePiece {
  readonly piece: Sym
  readonly axis: number
  readonly begin: number
}

/** Output gradient → one gradient per input (null where that input needs none). */
export type Vjp = (g: Sym) => (Sym | SlicePiece | null)[]

interface Entry {
  readonly out: Sym
  readonly inputs: readonly Sym[]
  readonly vjp: Vjp
}

export class Tape {
  private readonly entries: Entry[] = []
  private readonly tracked = new Set<string>() // values that depend on a leaf

  markLeaf(x: Sym): void {
    this.tracked.add(x.name)
  }

  needs(x: Sym): boolean {
    return this.tracked.has(x.name)
  }

  /** Records an op whose output depends on a tracked input; an op that returned its input unchanged adds nothing. */
  record(out: Sym, inputs: readonly Sym[], vjp: Vjp): void {
    if (inputs.some((x) => x.name === out.name) || !inputs.some((x) => this.needs(x))) return
    this.tracked.add(out.name)
    this.entries.push({ out, inputs, vjp })
  }

  /**
   * d⟨out, seed⟩ / d x for every tracked value reached from `out`, keyed by value name: the gradients of a scalar
   * loss with the default seed 1, or a vector-Jacobian product with the cotangent `seed` (shaped as `out`).
   */
  backward(e: Emitter, out: Sym, seed: Sym = e.fill(out.shape, 1)): Map<string, Sym> {
    const acc = new Accumulator(e)
    acc.add(out, seed)
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { out, inputs, vjp } = this.entries[i]
      const g = acc.take(out)
      if (g === undefined) continue
      vjp(g).forEach((gi, j) => {
        if (gi !== null && this.needs(inputs[j])) acc.add(inputs[j], gi)
      })
    }
    return acc.rest()
  }
}

/** Per value: the summed dense gradient and the slice pieces not yet joined. */
class Accumulator {
  private readonly dense = new Map<string, Sym>()
  private readonly pieces = new Map<string, { x: Sym; list: SlicePiece[] }>()

  constructor(private readonly e: Emitter) {}

  add(x: Sym, g: Sym | SlicePiece): void {
    if ('piece' in g) {
      const known = this.pieces.get(x.name) ?? { x, list: [] }
      known.list.push(g)
      this.pieces.set(x.name, known)
      return
    }
    if (g.shape.join() !== x.shape.join()) throw new Error(`gradient of [${x.shape}] came back as [${g.shape}]`)
    const known = this.dense.get(x.name)
    this.dense.set(x.name, known ? this.e.binary('Add', known, g) : g)
  }

  /** The whole gradient of x (removed: nothing adds to it after its producer has been reached). */
  take(x: Sym): Sym | undefined {
    const slices = this.pieces.get(x.name)
    this.pieces.delete(x.name)
    const joined = slices ? this.join(slices.x, slices.list) : undefined
    const dense = this.dense.get(x.name)
    this.dense.delete(x.name)
    if (joined && dense) return this.e.binary('Add', dense, joined)
    return joined ?? dense
  }

  /** Everything left: the leaves' gradients. */
  rest(): Map<string, Sym> {
    const names = new Set([...this.dense.keys(), ...this.pieces.keys()])
    const out = new Map<string, Sym>()
    for (const name of names) {
      const x = this.pieces.get(name)?.x ?? { name, shape: this.dense.get(name)!.shape }
      out.set(name, this.take(x)!)
    }
    return out
  }

  /** One Concat (zeros in the gaps) when the pieces lie on one axis without overlap; else Pad each and sum. */
  private join(x: Sym, list: SlicePiece[]): Sym {
    const axis = list[0].axis
    const sorted = [...list].sort((a, b) => a.begin - b.begin)
    const size = (p: SlicePiece) => p.piece.shape[axis]
    const disjoint = sorted.every((p, i) => p.axis === axis && (i === 0 || sorted[i - 1].begin + size(sorted[i - 1]) <= p.begin))
    if (!disjoint) {
      const padded = list.map((p) => this.e.pad(p.piece, p.axis, p.begin, x.shape[p.axis] - p.begin - size(p)))
      return padded.reduce((a, b) => this.e.binary('Add', a, b))
    }
    const parts: Sym[] = []
    let at = 0
    const zeros = (n: number) => this.e.fill(x.shape.map((d, i) => (i === axis ? n : d)), 0)
    for (const p of sorted) {
      if (p.begin > at) parts.push(zeros(p.begin - at))
      parts.push(p.piece)
      at = p.begin + size(p)
    }
    if (at < x.shape[axis]) parts.push(zeros(x.shape[axis] - at))
    return parts.length === 1 ? parts[0] : this.e.concat(parts, axis)
  }
}
