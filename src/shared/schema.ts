// Tiny hand-written validation for payloads that cross a process boundary (no dependency).
// A Schema<T> checks an unknown value and names the first offending path: "req.steps: expected integer ≥ 1, got 0".

export interface Schema<T> {
  readonly describe: string // what a valid value looks like, for error messages
  /** Returns null when `value` is a valid T, else a one-line reason naming `path`. */
  check(value: unknown, path: string): string | null
  readonly _type?: T // phantom field: carries T for inference, never set
}

export type Infer<S> = S extends Schema<infer T> ? T : never

export function validate<T>(schema: Schema<T>, value: unknown, path = 'req'): value is T {
  return schema.check(value, path) === null
}

function shown(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (ArrayBuffer.isView(value)) return value.constructor.name
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return typeof value
}

function leaf<T>(describe: string, ok: (value: unknown) => boolean): Schema<T> {
  return { describe, check: (value, path) => (ok(value) ? null : `${path}: expected ${describe}, got ${shown(value)}`) }
}

interface NumberBounds {
  readonly integer?: boolean
  readonly min?: number
  readonly max?: number
}

function number(bounds: NumberBounds = {}): Schema<number> {
  const { integer = false, min = -Infinity, max = Infinity } = bounds
  const range = [min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ')
  const describe = `${integer ? 'integer' : 'finite number'}${range ? ' ' + range : ''}`
  return leaf(describe, (v) => typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= min && v <= max)
}

function string(maxLength = 10_000): Schema<string> {
  return leaf(`string of at most ${maxLength} characters`, (v) => typeof v === 'string' && v.length <= maxLength)
}

function literal<const L extends readonly (string | number | boolean)[]>(...values: L): Schema<L[number]> {
  return leaf(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, (v) => values.includes(v as L[number]))
}

function typedArray<A extends ArrayBufferView>(ctor: abstract new (...args: never[]) => A, maxLength: number): Schema<A> {
  return leaf(`${ctor.name} of at most ${maxLength} elements`, (v) => v instanceof ctor && (v as unknown as ArrayLike<unknown>).length <= maxLength)
}

function array<T>(item: Schema<T>, maxLength = 10_000): Schema<readonly T[]> {
  return {
    describe: `array of ${item.describe}`,
    check(value, path) {
      if (!Array.isArray(value) || value.length > maxLength) return `${path}: expected array of at most ${maxLength} items, got ${shown(value)}`
      for (let i = 0; i < value.length; i++) {
        const reason = item.check(value[i], `${path}[${i}]`)
        if (reason) return reason
      }
      return null
    },
  }
}

function optional<T>(inner: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  return { describe: `${inner.describe} (optional)`, optional: true, check: (v, path) => (v === undefined ? null : inner.check(v, path)) }
}

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S]
type ObjectOf<S extends Shape> = { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  readonly [K in OptionalKeys<S>]?: Infer<S[K]>
}

/** A plain object with exactly these keys (unknown keys are rejected: the renderer is untrusted). */
function object<S extends Shape>(shape: S): Schema<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const keys = Object.keys(shape)
  return {
    describe: `object {${keys.join(', ')}}`,
    check(value, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
        return `${path}: expected object {${keys.join(', ')}}, got ${shown(value)}`
      }
      const extra = Object.keys(value).find((k) => !Object.hasOwn(shape, k))
      if (extra !== undefined) return `${path}: unknown field "${extra}"`
      for (const key of keys) {
        const reason = shape[key].check((value as Record<string, unknown>)[key], `${path}.${key}`)
        if (reason) return reason
      }
      return null
    },
  }
}

/** No payload: the call takes no argument (undefined; null is accepted from JSON transports). */
const none: Schema<void> = leaf('no argument', (v) => v === undefined || v === null)

export const s = {
  number,
  integer: (bounds: Omit<NumberBounds, 'integer'> = {}) => number({ ...bounds, integer: true }),
  string,
  boolean: () => leaf<boolean>('boolean', (v) => typeof v === 'boolean'),
  literal,
  uint8Array: (maxLength = 1 << 28) => typedArray(Uint8Array, maxLength),
  float32Array: (maxLength = 1 << 28) => typedArray(Float32Array, maxLength),
  array,
  optional,
  object,
  none,
}
