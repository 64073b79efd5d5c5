// The gradient tape: which values need a gradient, how each recorded op maps its output gradient to
// its inputs' gradients (as emitted graph nodes), and the reverse walk that accumulates them.
import type { Sym } from '../trace-ops'
import type { Emitter } from './emit'

/** Output gradient → one gradient per input (null where that input needs none). */
export type Vjp = (g: Sym) => (Sym | null)[]

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

  /** d loss / d x for every tracked value reached from `loss` (a scalar), keyed by value name. */
  backward(e: Emitter, loss: Sym): Map<string, Sym> {
    const grads = new Map<string, Sym>([[loss.name, e.fill(loss.shape, 1)]])
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { out, inputs, vjp } = this.entries[i]
      const g = grads.get(out.name)
      if (g === undefined) continue
      grads.delete(out.name) // intermediate gradients are not needed again
      vjp(g).forEach((gi, j) => {
        const x = inputs[j]
        if (gi === null || !this.needs(x)) return
        if (gi.shape.join() !== x.shape.join()) throw new Error(`gradient of [${x.shape}] came back as [${gi.shape}]`)
        const known = grads.get(x.name)
        grads.set(x.name, known ? e.binary('Add', known, gi) : gi)
      })
    }
    return grads
  }
}
