// openWeights: format detection, EMA/raw choice for .pth and for our prefixed safetensors, errors; and the
// strict state-dict comparison with its report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CheckpointError, compareStateDict, formatStateDictReport, isExactMatch, openWeights, stateDictPrefixes, totalStepsKey,
} from '../../../src/trainer/checkpoint/checkpoint'
import type { PickledTensor, PyValue } from '../../../src/trainer/checkpoint/pickle-writer'
import { PthTensors } from '../../../src/trainer/checkpoint/pth-writer'
import { writeSafetensors } from '../../../src/trainer/checkpoint/safetensors'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-ckpt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const golden = join(goldenDir(), 'tiny-a')

describe('openWeights on the golden files', () => {
  it('defaults to the EMA state dict of a reference checkpoint and reports what is there', async () => {
    const w = await openWeights(`${golden}/checkpoint.pth`)
    expect([w.format, w.stateDictKey, w.totalSteps]).toEqual(['pth', 'model_ema_state_dict', 1234])
    expect(w.available).toEqual(['model_ema_state_dict', 'model_state_dict'])
    expect(w.tensors.size).toBe(128)
    expect(w.metadata).toEqual({ total_steps: '1234' })
    const st = await openWeights(`${golden}/weights.safetensors`)
    expect([st.format, st.stateDictKey, st.available, st.metadata['set']]).toEqual(['safetensors', null, [], 'tiny-a'])
    const name = 'decoder.final_layer_txt.linear.weight'
    expect(await w.tensors.get(name)!.read()).toEqual(await st.tensors.get(name)!.read())
    expect([...w.tensors.keys()]).toEqual([...st.tensors.keys()])
    await Promise.all([w.close(), st.close()])
  })

  it('picks the raw weights on request', async () => {
    const raw = await openWeights(`${golden}/checkpoint.pth`, { stateDict: 'raw' })
    const st = await openWeights(`${golden}/weights.safetensors`)
    expect(raw.stateDictKey).toBe('model_state_dict')
    const name = 'encoder.txt_in.bias'
    const [r, w] = [await raw.tensors.get(name)!.read(), await st.tensors.get(name)!.read()]
    expect(r[0]! - w[0]!).toBeCloseTo(1e-3, 6)
    await expect(openWeights(`${golden}/checkpoint.pth`, { stateDict: 'optimizer' })).rejects.toThrow(/has no state dict "optimizer"; it holds: model_ema_state_dict, model_state_dict/)
    await expect(openWeights(`${golden}/weights.safetensors`, { stateDict: 'raw' })).rejects.toThrow(/single plain state dict/)
    await Promise.all([raw.close(), st.close()])
  })
})

describe('openWeights on our own checkpoints and other files', () => {
  it('chooses between ema. and model. prefixes in a training safetensors and reads total_steps', async () => {
    const path = join(dir, 'step-000500.safetensors')
    const t = (name: string, v: number) => ({ name, shape: [2], dtype: 'F32' as const, data: new Float32Array([v, v]) })
    await writeSafetensors(path, [t(`${stateDictPrefixes.raw}a.weight`, 1), t(`${stateDictPrefixes.ema}a.weight`, 2)], { [totalStepsKey]: '500' })
    const ema = await openWeights(path)
    expect([ema.stateDictKey, ema.available, ema.totalSteps, [...ema.tensors.keys()]]).toEqual(['ema', ['ema', 'model'], 500, ['a.weight']])
    expect(Array.from(await ema.tensors.get('a.weight')!.read())).toEqual([2, 2])
    const raw = await openWeights(path, { stateDict: 'raw' })
    expect(Array.from(await raw.tensors.get('a.weight')!.read())).toEqual([1, 1])
    await Promise.all([ema.close(), raw.close()])
  })

  it('falls back to the only state dict when there is no EMA, and reads a bare .pth state dict', async () => {
    const pth = async (name: string, root: (w: PickledTensor) => PyValue) => { // the app's writer: openWeights is tested here, not the format
      const tensors = new PthTensors()
      await tensors.write(join(dir, name), root(tensors.tensor({ shape: [2], read: async () => Float32Array.of(3, 4) })))
      return join(dir, name)
    }
    const one = await openWeights(await pth('only.pth', (w) => new Map([['model', new Map([['w', w]])]])))
    expect([one.stateDictKey, one.totalSteps]).toEqual(['model', null])
    const emaOnly = await pth('ema-only.pth', (w) => new Map([['model_ema', new Map([['w', w]])]]))
    await expect(openWeights(emaOnly, { stateDict: 'raw' })).rejects.toThrow(/ema-only\.pth has no raw \(non-EMA\) state dict; it holds: model_ema$/)
    const b = await openWeights(await pth('bare.pth', (w) => new Map([['w', w]])))
    expect([b.stateDictKey, b.available]).toEqual([null, []])
    expect(Array.from(await b.tensors.get('w')!.read())).toEqual([3, 4])
    await Promise.all([one.close(), b.close()])
  })

  it('throws CheckpointError for a missing file, an empty file and a file that is neither format', async () => {
    await expect(openWeights(join(dir, 'missing.pth'))).rejects.toThrow(/no such file/)
    writeFileSync(join(dir, 'empty.bin'), '')
    await expect(openWeights(join(dir, 'empty.bin'))).rejects.toThrow(/not a safetensors file \(only 0 bytes\)/)
    writeFileSync(join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    await expect(openWeights(join(dir, 'photo.jpg'))).rejects.toBeInstanceOf(CheckpointError)
    writeFileSync(join(dir, 'legacy.pth'), Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]))
    await expect(openWeights(join(dir, 'legacy.pth'))).rejects.toThrow(/legacy torch\.save format/)
  })
})

describe('compareStateDict', () => {
  const expected: [string, number[]][] = [['a', [2, 3]], ['b', [4]], ['c', [1]]]

  it('finds missing, unexpected and mismatched tensors', () => {
    const actual = new Map([['a', { shape: [3, 2] }], ['b', { shape: [4] }], ['d', { shape: [5] }]])
    const report = compareStateDict(expected, actual)
    expect(report).toEqual({ missing: ['c'], unexpected: ['d'], mismatched: [{ name: 'a', expected: [2, 3], actual: [3, 2] }] })
    expect(isExactMatch(report)).toBe(false)
    const text = formatStateDictReport(report)
    expect(text).toContain('Missing from the checkpoint (1):\n    c')
    expect(text).toContain('Unexpected in the checkpoint (1):\n    d')
    expect(text).toContain('a: model [2, 3], checkpoint [3, 2]')
  })

  it('reports an exact match and shortens long lists', () => {
    const same = new Map(expected.map(([n, s]) => [n, { shape: s }]))
    expect(formatStateDictReport(compareStateDict(expected, same))).toBe('All keys matched successfully')
    const many = Array.from({ length: 15 }, (_, i): [string, number[]] => [`k${i}`, [1]])
    expect(formatStateDictReport(compareStateDict(many, new Map()), 10)).toContain('… and 5 more')
  })
})
