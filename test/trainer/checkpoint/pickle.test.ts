// Restricted unpickler: the values torch state dicts use, and refusal (naming the global/opcode and its byte
// offset) of code-execution globals, unknown opcodes, truncation and memo/stack abuse.
import { describe, expect, it } from 'vitest'
import { CheckpointError, PickleSecurityError } from '../../../src/trainer/checkpoint/checkpoint-error'
import { unpickle, type UnpickleOptions } from '../../../src/trainer/checkpoint/pickle'
import { resolveTorchGlobal } from '../../../src/trainer/checkpoint/torch-globals'
import { PickleWriter } from '../../fixtures/checkpoint/pickle-writer'

const torchOnly: UnpickleOptions = { resolveGlobal: resolveTorchGlobal }
const load = (w: PickleWriter, opts = torchOnly) => unpickle(w.bytes(), opts, 'test.pkl')

describe('unpickle: supported values', () => {
  it('builds dicts, lists, tuples, ints, floats, strings, bytes and memo references in order', () => {
    const w = new PickleWriter().proto().emptyDict().binPut(0).mark()
    w.str('total_steps').int(1234).str('neg').int(-70000).str('big').long1(2n ** 60n).str('f')
    w.op(0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // BINFLOAT 1.5 (big-endian)
    w.str('list').emptyList().binPut(1).mark().none().bool(true).op(0x55, 2, 0x68, 0x69).appends() // [None, True, 'hi']
    w.str('same').binGet(1).str('tuple').int(1).int(2).tuple2().str('bytes').op(0x43, 2, 7, 9).setItems().stop()
    const root = load(w) as Map<string, unknown>
    expect([...root.keys()]).toEqual(['total_steps', 'neg', 'big', 'f', 'list', 'same', 'tuple', 'bytes'])
    expect(root.get('total_steps')).toBe(1234)
    expect(root.get('neg')).toBe(-70000)
    expect(root.get('big')).toBe(2n ** 60n)
    expect(root.get('f')).toBe(1.5)
    expect(root.get('list')).toEqual([null, true, 'hi'])
    expect(root.get('same')).toBe(root.get('list'))
    expect(Object.isFrozen(root.get('tuple'))).toBe(true)
    expect(Array.from(root.get('bytes') as Uint8Array)).toEqual([7, 9])
  })

  it('accepts an OrderedDict rebuilt with REDUCE, filled with SETITEMS and given _metadata by BUILD', () => {
    const w = new PickleWriter().proto().global('collections', 'OrderedDict').emptyTuple().reduce()
    w.mark().str('a').int(1).setItems()
    w.emptyDict().str('_metadata').global('collections', 'OrderedDict').emptyTuple().reduce().setItem().build().stop()
    const root = load(w) as Map<string, unknown>
    expect(root).toBeInstanceOf(Map)
    expect([...root.entries()]).toEqual([['a', 1]])
  })
})

describe('unpickle: hostile pickles', () => {
  const calls: [string, string][] = [['os', 'system'], ['builtins', 'eval'], ['posix', 'system'], ['torch', 'load']]
  for (const [module, name] of calls) {
    it(`refuses GLOBAL ${module}.${name} + REDUCE, naming it and its offset`, () => {
      const w = new PickleWriter().proto().global(module, name).mark().str('echo pwned').tuple().reduce().stop()
      expect(() => load(w)).toThrow(PickleSecurityError)
      expect(() => load(w)).toThrow(new RegExp(`refused global ${module}\\.${name} at byte 2`))
    })
  }

  it('names a torch storage type or dtype it cannot decode as an unsupported dtype', () => {
    const w = new PickleWriter().proto().global('torch', 'ComplexFloatStorage').stop()
    expect(() => load(w)).toThrow(/unsupported dtype torch\.ComplexFloatStorage/)
    expect(() => load(new PickleWriter().proto().global('torch', 'float8_e4m3fn').stop())).toThrow(/unsupported dtype torch\.float8_e4m3fn/)
    expect(load(new PickleWriter().proto().global('torch', 'BFloat16Storage').stop())).toMatchObject({ dtype: 'BF16' })
  })

  it('refuses STACK_GLOBAL of a non-allowed name', () => {
    const w = new PickleWriter().op(0x80, 4).op(0x8c, 8).raw(new TextEncoder().encode('builtins')).op(0x8c, 4)
    w.raw(new TextEncoder().encode('exec')).op(0x93).stop()
    expect(() => load(w)).toThrow(/refused global builtins\.exec at byte 18/)
  })

  it('refuses opcodes outside the allow-list (INST, OBJ, NEWOBJ) by name', () => {
    expect(() => load(new PickleWriter().proto().op(0x69).raw(new TextEncoder().encode('os\nsystem\n')))).toThrow(/opcode INST \(0x69\) at byte 2/)
    expect(() => load(new PickleWriter().proto().mark().op(0x6f))).toThrow(/opcode OBJ/)
    expect(() => load(new PickleWriter().proto().emptyTuple().emptyTuple().op(0x81))).toThrow(/opcode NEWOBJ/)
    expect(() => load(new PickleWriter().proto().op(0xff))).toThrow(/opcode unknown \(0xff\)/)
  })

  it('refuses REDUCE on something that is not an allowed callable, and BUILD on a non-dict', () => {
    expect(() => load(new PickleWriter().proto().str('x').emptyTuple().reduce().stop())).toThrow(PickleSecurityError)
    expect(() => load(new PickleWriter().proto().emptyList().emptyDict().build().stop())).toThrow(/BUILD on an object that is not a dict/)
  })

  it('refuses persistent ids when no loader is given', () => {
    expect(() => load(new PickleWriter().proto().str('storage').binPersId().stop())).toThrow(/persistent id \(BINPERSID\)/)
  })

  it('reports truncation: missing STOP, a string longer than the data, a cut GLOBAL line', () => {
    expect(() => load(new PickleWriter().proto().emptyDict())).toThrow(/no STOP opcode/)
    const huge = new PickleWriter().proto().op(0x58, 0xff, 0xff, 0xff, 0x7f).raw([0x61, 0x62]) // BINUNICODE of 2 GB, 2 bytes present
    expect(() => load(huge)).toThrow(/truncated pickle: needs 2147483647 more bytes, 2 left/)
    const huge8 = new PickleWriter().proto().op(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // BINUNICODE8 of 2^64-1
    expect(() => load(huge8)).toThrow(/truncated pickle/)
    expect(() => load(new PickleWriter().proto().raw([0x63, 0x6f, 0x73]))).toThrow(/unterminated GLOBAL/)
  })

  it('resists memo abuse: sparse huge indices cost nothing, unset indices fail, the memo is capped', () => {
    const sparse = new PickleWriter().proto().emptyList().longBinPut(0xffffffff).op(0x6a, 0xff, 0xff, 0xff, 0xff).tuple2().stop()
    expect(load(sparse)).toEqual([[], []])
    expect(() => load(new PickleWriter().proto().binGet(7).stop())).toThrow(/memo key 7 was never set/)
    const many = new PickleWriter().proto().none()
    for (let i = 0; i < 100; i++) many.longBinPut(i)
    expect(() => load(many.stop(), { ...torchOnly, maxMemoEntries: 50 })).toThrow(/memo over 50 entries/)
  })

  it('resists stack abuse: MARK nesting is capped, underflow and unbalanced STOP fail', () => {
    const marks = new PickleWriter().proto()
    for (let i = 0; i < 10_000; i++) marks.mark()
    expect(() => load(marks.stop())).toThrow(/MARK nesting over 64/)
    expect(() => load(new PickleWriter().proto().setItem().stop())).toThrow(/stack underflow/)
    expect(() => load(new PickleWriter().proto().none().none().stop())).toThrow(/STOP with 2 values/)
    expect(() => load(new PickleWriter().proto().emptyDict().mark().int(1).setItems().stop())).toThrow(/odd number/)
    expect(() => load(new PickleWriter().proto().int(1).tuple().stop())).toThrow(/no MARK/)
  })

  it('uses CheckpointError for structural errors', () => {
    expect(() => load(new PickleWriter().proto().emptyTuple().int(1).append().stop())).toThrow(CheckpointError)
    expect(() => load(new PickleWriter().proto().emptyTuple().int(1).append().stop())).toThrow(/not a list/)
  })
})
