// The training state as three flat vectors (parameters, Adam m, Adam v) of P floats: the step graph slices
// each parameter out of the flat input and concatenates the gradients back, so Adam runs as a dozen nodes
// over [P] instead of a dozen per parameter, and the session has three state inputs and outputs.
import type { ParamRef } from '../../model/ops'
import { numel } from '../../model/params'
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'

export interface FlatEntry {
  readonly ref: ParamRef
  readonly offset: number
  readonly size: number
}

export class FlatLayout {
  readonly entries: readonly FlatEntry[]
  readonly size: number // P
  private readonly byName: ReadonlyMap<string, FlatEntry>

  constructor(refs: readonly ParamRef[]) {
    let offset = 0
    this.entries = refs.map((ref) => {
      const e = { ref, offset, size: numel(ref.shape) }
      offset += e.size
      return e
    })
    this.size = offset
    this.byName = new Map(this.entries.map((e) => [e.ref.name, e]))
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  entry(name: string): FlatEntry {
    const e = this.byName.get(name)
    if (!e) throw new Error(`parameter ${name} is not in the flat layout`)
    return e
  }

  /** Packs named arrays (missing ones as zeros) into one [P] vector. */
  pack(values: (name: string) => Float32Array | undefined): Float32Array {
    const flat = new Float32Array(this.size)
    for (const e of this.entries) {
      const v = values(e.ref.name)
      if (v && v.length !== e.size) throw new Error(`${e.ref.name} has ${v.length} values, [${e.ref.shape}] needs ${e.size}`)
      if (v) flat.set(v, e.offset)
    }
    return flat
  }

  /** A copy of one parameter's values out of a [P] vector. */
  unpack(flat: Float32Array, name: string): Float32Array {
    const e = this.entry(name)
    return flat.slice(e.offset, e.offset + e.size)
  }

  /** The graph value of a parameter: Reshape(Slice(flat)). */
  read(e: Emitter, flat: Sym, name: string): Sym {
    const { ref, offset, size } = this.entry(name)
    return e.reshape(e.slice(flat, 0, offset, size), ref.shape)
  }

  /** The gradients as one [P] vector (zeros where a parameter got none). */
  concat(e: Emitter, grads: (name: string) => Sym | undefined): Sym {
    const parts = this.entries.map(({ ref, size }) => {
      const g = grads(ref.name)
      return g ? e.reshape(g, [size]) : e.fill([size], 0)
    })
    return e.concat(parts, 0)
  }
}
