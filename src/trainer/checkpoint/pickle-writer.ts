// Pickle writer (protocol 2, what torch.save uses) for the values a torch checkpoint holds and
// torch.load(weights_only=True) accepts: dict, list, tuple, str, int, float, bool, None, and tensors, which become
// `torch._utils._rebuild_tensor_v2(<persistent storage>, …)`. The inverse of pickle.ts for these values.
import { CheckpointError } from './checkpoint-error'

/** A Python float; a bare JS number is written as an int (so `0.0` must be `pyFloat(0)`). */
export interface PyFloat { readonly kind: 'float'; readonly value: number }
export const pyFloat = (value: number): PyFloat => ({ kind: 'float', value })

/** A contiguous fp32 tensor whose storage is record `data/<key>` holding `numel` floats. */
export interface PickledTensor { readonly kind: 'tensor-out'; readonly key: string; readonly shape: readonly number[] }

/** Frozen arrays are tuples (as pickle.ts reads them), other arrays lists, Maps dicts in insertion order. */
export type PyValue =
  | null | boolean | number | string | PyFloat | PickledTensor
  | readonly PyValue[] | ReadonlyMap<string | number, PyValue>

const op = {
  PROTO: 0x80, STOP: 0x2e, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, BININT1: 0x4b, BININT2: 0x4d, BININT: 0x4a,
  LONG1: 0x8a, BINFLOAT: 0x47, BINUNICODE: 0x58, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, MARK: 0x28,
  TUPLE: 0x74, SETITEMS: 0x75, APPENDS: 0x65, GLOBAL: 0x63, REDUCE: 0x52, BINPERSID: 0x51,
} as const

/** Pickles `root`; `where` names the file in errors. */
export function pickle(root: PyValue, where: string): Uint8Array {
  const w = new PickleWriter(where)
  w.byte(op.PROTO, 2)
  w.value(root)
  w.byte(op.STOP)
  return w.bytes()
}

class PickleWriter {
  private chunks: Uint8Array[] = []
  private pending: number[] = []

  constructor(readonly where: string) {}

  byte(...bs: number[]): void {
    for (const b of bs) this.pending.push(b)
  }

  raw(b: Uint8Array): void {
    this.flush()
    this.chunks.push(b)
  }

  flush(): void {
    if (this.pending.length) this.chunks.push(Uint8Array.from(this.pending))
    this.pending = []
  }

  bytes(): Uint8Array {
    this.flush()
    return Buffer.concat(this.chunks)
  }

  value(x: PyValue): void {
    if (x === null) this.byte(op.NONE)
    else if (typeof x === 'boolean') this.byte(x ? op.NEWTRUE : op.NEWFALSE)
    else if (typeof x === 'number') this.int(x)
    else if (typeof x === 'string') this.str(x)
    else if (x instanceof Map) this.dict(x)
    else if (Array.isArray(x)) Object.isFrozen(x) ? this.tuple(x) : this.list(x)
    else if ((x as PyFloat).kind === 'float') this.float((x as PyFloat).value)
    else this.tensor(x as PickledTensor)
  }

  int(n: number): void {
    if (!Number.isSafeInteger(n)) throw new CheckpointError(`${this.where}: ${n} is not an integer; wrap floats with pyFloat`)
    if (n >= 0 && n < 0x100) return this.byte(op.BININT1, n)
    if (n >= 0 && n < 0x10000) return this.byte(op.BININT2, n & 0xff, n >> 8)
    if (n >= -0x80000000 && n < 0x80000000) return this.byte(op.BININT, ...le(BigInt(n), 4))
    let bytes = 8 // LONG1: little-endian two's complement, as short as the sign allows
    while (bytes > 1 && fits(BigInt(n), bytes - 1)) bytes--
    this.byte(op.LONG1, bytes, ...le(BigInt(n), bytes))
  }

  float(x: number): void {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setFloat64(0, x, false) // BINFLOAT is big-endian
    this.byte(op.BINFLOAT, ...b)
  }

  str(s: string): void {
    const utf8 = new TextEncoder().encode(s)
    this.byte(op.BINUNICODE, ...le(BigInt(utf8.byteLength), 4))
    this.raw(utf8)
  }

  global(module: string, name: string): void {
    this.byte(op.GLOBAL)
    this.raw(new TextEncoder().encode(`${module}\n${name}\n`))
  }

  dict(d: ReadonlyMap<string | number, PyValue>): void {
    this.byte(op.EMPTY_DICT)
    if (d.size === 0) return
    this.byte(op.MARK)
    for (const [k, v] of d) {
      this.value(k)
      this.value(v)
    }
    this.byte(op.SETITEMS)
  }

  list(items: readonly PyValue[]): void {
    this.byte(op.EMPTY_LIST)
    if (items.length === 0) return
    this.byte(op.MARK)
    for (const x of items) this.value(x)
    this.byte(op.APPENDS)
  }

  tuple(items: readonly PyValue[]): void {
    if (items.length === 0) return this.byte(op.EMPTY_TUPLE)
    this.byte(op.MARK)
    for (const x of items) this.value(x)
    this.byte(op.TUPLE)
  }

  /** `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), 0, shape, stride, False, OrderedDict())`. */
  tensor(t: PickledTensor): void {
    const numel = t.shape.reduce((a, b) => a * b, 1)
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1))
    this.global('torch._utils', '_rebuild_tensor_v2')
    this.byte(op.MARK)
    this.byte(op.MARK)
    this.str('storage')
    this.global('torch', 'FloatStorage')
    this.str(t.key)
    this.str('cpu')
    this.int(numel)
    this.byte(op.TUPLE, op.BINPERSID)
    this.int(0)
    this.tuple(Object.freeze([...t.shape]))
    this.tuple(Object.freeze(stride))
    this.byte(op.NEWFALSE)
    this.global('collections', 'OrderedDict')
    this.byte(op.EMPTY_TUPLE, op.REDUCE)
    this.byte(op.TUPLE, op.REDUCE)
  }
}

function le(n: bigint, bytes: number): number[] {
  const out: number[] = []
  for (let i = 0; i < bytes; i++) out.push(Number((n >> BigInt(8 * i)) & 0xffn))
  return out
}

function fits(n: bigint, bytes: number): boolean {
  const half = 1n << BigInt(8 * bytes - 1)
  return n >= -half && n < half
}
