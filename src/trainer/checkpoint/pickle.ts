// Restricted unpickler, the TypeScript counterpart of torch.load(weights_only=True): only the opcodes a torch
// state dict uses (pickle protocols 2–4), globals only through the caller's allow-list, bounded memory.
// Values: dict → Map, list → array, tuple → frozen array, str → string, bytes → Uint8Array, int → number|bigint.
import { CheckpointError, PickleSecurityError } from './checkpoint-error'

/** A global the allow-list resolved to something REDUCE may call. */
export interface PickleCallable {
  readonly qualifiedName: string
  call(args: readonly unknown[], where: string): unknown
}

export interface UnpickleOptions {
  /** Returns the value for an allowed global; undefined means refused. */
  resolveGlobal(module: string, name: string, where: string): unknown
  /** Resolves a BINPERSID id (torch: a storage); absent means persistent ids are refused. */
  persistentLoad?(pid: unknown, where: string): unknown
  maxMarkDepth?: number // nesting of MARKs; torch state dicts need a handful
  maxMemoEntries?: number
}

const refusedOpcodes: Readonly<Record<number, string>> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x50: 'PERSID', 0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE', 0x46: 'FLOAT', 0x8b: 'LONG4',
  0x64: 'DICT', 0x6c: 'LIST', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x70: 'PUT', 0x67: 'GET',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
}

/** Unpickles `bytes`; `where` names the record (file + entry) in every error. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions, where: string): unknown {
  return new Unpickler(bytes, opts, where).run()
}

/** Unpickles the pickle starting at `start` (torch's legacy format writes several in a row) and says where it ended. */
export function unpickleAt(bytes: Uint8Array, start: number, opts: UnpickleOptions, where: string): { value: unknown; end: number } {
  const unpickler = new Unpickler(bytes, opts, where)
  unpickler.pos = start
  const value = unpickler.run()
  return { value, end: unpickler.pos }
}

class Unpickler {
  pos = 0
  opAt = 0 // offset of the opcode being run, for error messages
  stack: unknown[] = []
  readonly marks: unknown[][] = []
  readonly memo = new Map<number, unknown>()
  readonly view: DataView
  readonly maxMarkDepth: number
  readonly maxMemoEntries: number

  constructor(readonly bytes: Uint8Array, readonly opts: UnpickleOptions, readonly where: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.maxMarkDepth = opts.maxMarkDepth ?? 64
    this.maxMemoEntries = Math.min(opts.maxMemoEntries ?? 1 << 22, bytes.byteLength)
  }

  run(): unknown {
    while (this.pos < this.bytes.byteLength) {
      this.opAt = this.pos
      const op = this.bytes[this.pos++]!
      if (op === 0x2e) return this.finish() // STOP
      const handler = opcodes[op]
      if (!handler) throw this.refuse(`opcode ${refusedOpcodes[op] ?? 'unknown'} (0x${op.toString(16).padStart(2, '0')})`)
      handler(this)
    }
    throw this.fail('truncated pickle: no STOP opcode before the end of the data')
  }

  finish(): unknown {
    if (this.stack.length !== 1 || this.marks.length !== 0) throw this.fail(`STOP with ${this.stack.length} values on the stack`)
    return this.stack[0]
  }

  fail(message: string): CheckpointError {
    return new CheckpointError(`${this.where}: ${message} (byte ${this.opAt})`)
  }

  refuse(what: string): PickleSecurityError {
    return new PickleSecurityError(`${this.where}: refused ${what} at byte ${this.opAt}; only torch tensor state dicts can be loaded`)
  }

  take(n: number): Uint8Array {
    if (n > this.bytes.byteLength - this.pos) throw this.fail(`truncated pickle: needs ${n} more bytes, ${this.bytes.byteLength - this.pos} left`)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  u8(): number { return this.take(1)[0]! }
  u16(): number { return this.u(2) }
  u32(): number { return this.u(4) }
  u(n: 2 | 4): number {
    const at = this.take(n).byteOffset - this.bytes.byteOffset
    return n === 2 ? this.view.getUint16(at, true) : this.view.getUint32(at, true)
  }
  u64(): number {
    const at = this.take(8).byteOffset - this.bytes.byteOffset
    const n = this.view.getBigUint64(at, true)
    return n > BigInt(this.bytes.byteLength) ? this.bytes.byteLength + 1 : Number(n) // any length past the data fails in take()
  }

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos)
    if (end < 0) throw this.fail('truncated pickle: unterminated GLOBAL name')
    return new TextDecoder('latin1').decode(this.take(end - this.pos + 1).subarray(0, -1))
  }

  push(x: unknown): void { this.stack.push(x) }
  pop(): unknown {
    if (this.stack.length === 0) throw this.fail('stack underflow')
    return this.stack.pop()
  }
  top(): unknown {
    if (this.stack.length === 0) throw this.fail('stack underflow')
    return this.stack[this.stack.length - 1]
  }

  mark(): void {
    if (this.marks.length >= this.maxMarkDepth) throw this.fail(`MARK nesting over ${this.maxMarkDepth}`)
    this.marks.push(this.stack)
    this.stack = []
  }

  popMark(): unknown[] {
    const items = this.stack
    const outer = this.marks.pop()
    if (!outer) throw this.fail('no MARK on the stack')
    this.stack = outer
    return items
  }

  put(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= this.maxMemoEntries) throw this.fail(`memo over ${this.maxMemoEntries} entries`)
    this.memo.set(index, this.top())
  }

  get(index: number): void {
    if (!this.memo.has(index)) throw this.fail(`memo key ${index} was never set`)
    this.push(this.memo.get(index))
  }

  text(n: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.take(n))
    } catch (err) {
      if (err instanceof CheckpointError) throw err
      throw this.fail('string is not valid UTF-8')
    }
  }

  global(module: string, name: string): void {
    const value = this.opts.resolveGlobal(module, name, `${this.where} (byte ${this.opAt})`)
    if (value === undefined) throw this.refuse(`global ${module}.${name}`)
    this.push(value)
  }

  setItems(dict: unknown, items: readonly unknown[]): void {
    if (!(dict instanceof Map)) throw this.fail('SETITEM(S) on something that is not a dict')
    if (items.length % 2 !== 0) throw this.fail('SETITEMS with an odd number of values')
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1])
  }

  append(list: unknown, items: readonly unknown[]): void {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw this.fail('APPEND(S) on something that is not a list')
    for (const x of items) list.push(x)
  }

  reduce(): void {
    const args = this.pop()
    const fn = this.pop()
    if (!isCallable(fn)) throw this.refuse('REDUCE on a value that is not an allowed callable')
    if (!Array.isArray(args)) throw this.fail('REDUCE arguments are not a tuple')
    this.push(fn.call(args, `${this.where} (byte ${this.opAt})`))
  }

  build(): void {
    this.pop() // the state: OrderedDict's _metadata (version info) carries nothing a reader needs
    if (!(this.top() instanceof Map)) throw this.refuse('BUILD on an object that is not a dict')
  }

  persistentId(): void {
    if (!this.opts.persistentLoad) throw this.refuse('persistent id (BINPERSID)')
    this.push(this.opts.persistentLoad(this.pop(), `${this.where} (byte ${this.opAt})`))
  }
}

function isCallable(x: unknown): x is PickleCallable {
  return typeof x === 'object' && x !== null && typeof (x as PickleCallable).call === 'function'
}

function tuple(items: unknown[]): readonly unknown[] {
  return Object.freeze(items)
}

function long1(u: Unpickler): number | bigint {
  const b = u.take(u.u8())
  let n = 0n
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!)
  if (b.length > 0 && b[b.length - 1]! & 0x80) n -= 1n << BigInt(8 * b.length)
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
}

const opcodes: Readonly<Record<number, (u: Unpickler) => void>> = {
  // framing and markers
  0x80: (u) => { const v = u.u8(); if (v > 5) throw u.fail(`unsupported pickle protocol ${v}`) }, // PROTO
  0x95: (u) => { u.u64() }, // FRAME: a length hint only
  0x28: (u) => u.mark(), // MARK
  // containers
  0x7d: (u) => u.push(new Map()), // EMPTY_DICT
  0x5d: (u) => u.push([]), // EMPTY_LIST
  0x29: (u) => u.push(tuple([])), // EMPTY_TUPLE
  0x85: (u) => u.push(tuple([u.pop()])), // TUPLE1
  0x86: (u) => { const b = u.pop(); u.push(tuple([u.pop(), b])) }, // TUPLE2
  0x87: (u) => { const c = u.pop(); const b = u.pop(); u.push(tuple([u.pop(), b, c])) }, // TUPLE3
  0x74: (u) => u.push(tuple(u.popMark())), // TUPLE
  0x73: (u) => { const v = u.pop(); const k = u.pop(); u.setItems(u.top(), [k, v]) }, // SETITEM
  0x75: (u) => { const items = u.popMark(); u.setItems(u.top(), items) }, // SETITEMS
  0x61: (u) => { const v = u.pop(); u.append(u.top(), [v]) }, // APPEND
  0x65: (u) => { const items = u.popMark(); u.append(u.top(), items) }, // APPENDS
  // scalars
  0x4e: (u) => u.push(null), // NONE
  0x88: (u) => u.push(true), // NEWTRUE
  0x89: (u) => u.push(false), // NEWFALSE
  0x4b: (u) => u.push(u.u8()), // BININT1
  0x4d: (u) => u.push(u.u16()), // BININT2
  0x4a: (u) => u.push(u.u32() | 0), // BININT (signed)
  0x8a: (u) => u.push(long1(u)), // LONG1
  0x47: (u) => { const b = u.take(8); u.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false)) }, // BINFLOAT
  // strings and bytes
  0x58: (u) => u.push(u.text(u.u32())), // BINUNICODE
  0x8c: (u) => u.push(u.text(u.u8())), // SHORT_BINUNICODE
  0x8d: (u) => u.push(u.text(u.u64())), // BINUNICODE8
  0x54: (u) => u.push(new TextDecoder('latin1').decode(u.take(u.u32()))), // BINSTRING
  0x55: (u) => u.push(new TextDecoder('latin1').decode(u.take(u.u8()))), // SHORT_BINSTRING
  0x42: (u) => u.push(u.take(u.u32()).slice()), // BINBYTES
  0x43: (u) => u.push(u.take(u.u8()).slice()), // SHORT_BINBYTES
  // memo
  0x71: (u) => u.put(u.u8()), // BINPUT
  0x72: (u) => u.put(u.u32()), // LONG_BINPUT
  0x94: (u) => u.put(u.memo.size), // MEMOIZE
  0x68: (u) => u.get(u.u8()), // BINGET
  0x6a: (u) => u.get(u.u32()), // LONG_BINGET
  // objects: only through the allow-list
  0x63: (u) => { const module = u.line(); u.global(module, u.line()) }, // GLOBAL
  0x93: (u) => { // STACK_GLOBAL
    const name = u.pop()
    const module = u.pop()
    if (typeof module !== 'string' || typeof name !== 'string') throw u.fail('STACK_GLOBAL needs two strings')
    u.global(module, name)
  },
  0x52: (u) => u.reduce(), // REDUCE
  0x62: (u) => u.build(), // BUILD
  0x51: (u) => u.persistentId(), // BINPERSID
}
