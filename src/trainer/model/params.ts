// Parameter declaration: layers declare their weights by PyTorch key and shape at construction
// (tinygrad's get_state_dict idea), so a model's state dict is known without allocating any tensor.
import type { ParamRef } from './ops'

/** A scope in the parameter tree; `sub('img_mod')` extends the dotted key path. */
export class Params {
  private constructor(
    private readonly prefix: string,
    private readonly registry: ParamRef[],
  ) {}

  static root(): Params {
    return new Params('', [])
  }

  sub(name: string | number): Params {
    return new Params(this.key(String(name)), this.registry)
  }

  declare(name: string, shape: readonly number[]): ParamRef {
    const ref = { name: this.key(name), shape: Object.freeze([...shape]) }
    this.registry.push(ref)
    return ref
  }

  /** Every parameter declared in this tree so far, in declaration (= PyTorch registration) order. */
  all(): readonly ParamRef[] {
    return this.registry
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name
  }
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
