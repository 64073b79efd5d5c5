// pickle-writer: every value kind read back by our restricted unpickler (pickle.ts) exactly, ints at each opcode's
// edges, floats as BINFLOAT, tensors as _rebuild_tensor_v2 over a persistent storage id.
import { describe, expect, it } from 'vitest'
import { unpickle } from '../../../src/trainer/checkpoint/pickle'
import { pickle, pyFloat, type PyValue } from '../../../src/trainer/checkpoint/pickle-writer'
import { isTensorRef, resolveTorchGlobal, type StorageKind, type StorageRef } from '../../../src/trainer/checkpoint/torch-globals'

function roundTrip(v: PyValue): unknown {
  return unpickle(pickle(v, 'test'), {
    resolveGlobal: resolveTorchGlobal,
    persistentLoad: (pid) => {
      const [, kind, key, , numel] = pid as [string, StorageKind, string, string, number]
      return { kind: 'storage', key, dtype: kind.dtype, numel } satisfies StorageRef
    },
  }, 'test')
}

describe('pickle writer', () => {
  it('ints at every width, including negatives and 64-bit step counts', () => {
    for (const n of [0, 1, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(roundTrip(n)).toBe(n)
    }
  })

  it('floats, strings, None, bools, lists, tuples and dicts in order', () => {
    const value = new Map<string | number, PyValue>([
      ['lr', pyFloat(1e-4)], ['zero', pyFloat(0)], ['betas', Object.freeze([pyFloat(0.9), pyFloat(0.95)])], ['name', 'décodeur ✓'],
      ['none', null], ['flags', [true, false]], [3, Object.freeze([])], ['empty', new Map()], ['list', []],
    ])
    const back = roundTrip(value) as Map<unknown, unknown>
    expect([...back.keys()]).toEqual(['lr', 'zero', 'betas', 'name', 'none', 'flags', 3, 'empty', 'list'])
    expect(back.get('lr')).toBe(1e-4)
    expect(back.get('zero')).toBe(0)
    expect(back.get('betas')).toEqual([0.9, 0.95])
    expect(Object.isFrozen(back.get('betas'))).toBe(true)
    expect(back.get('name')).toBe('décodeur ✓')
    expect(back.get('none')).toBeNull()
    expect(back.get('flags')).toEqual([true, false])
    expect(Object.isFrozen(back.get(3))).toBe(true)
    expect(back.get('empty')).toEqual(new Map())
  })

  it('tensors: contiguous strides over their own storage, scalars with shape ()', () => {
    const back = roundTrip(new Map([
      ['w', { kind: 'tensor-out', key: '0', shape: [4, 3, 2] }], ['step', { kind: 'tensor-out', key: '1', shape: [] }],
    ])) as Map<string, unknown>
    const w = back.get('w')
    const step = back.get('step')
    if (!isTensorRef(w) || !isTensorRef(step)) throw new Error('not tensors')
    expect([w.shape, w.stride, w.storageOffset, w.storage.key, w.storage.numel, w.storage.dtype]).toEqual([[4, 3, 2], [6, 2, 1], 0, '0', 24, 'F32'])
    expect([step.shape, step.stride, step.storage.numel]).toEqual([[], [], 1])
  })

  it('refuses a non-integer number not wrapped as a float', () => {
    expect(() => pickle(0.5, 'x.pth')).toThrow(/x.pth: 0.5 is not an integer/)
  })
})
