// The exported encoder/decoder run by onnxruntime-node on every golden set: golden enc_code exactly, v and the
// sampler's trajectory within the golden tolerances, and agreement with the tfjs path (rel ≤ 1e-4).
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { checkGoldenSetOrt } from '../../../src/trainer/export/ort-parity'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { rowLine } from '../../../src/trainer/parity/run'

const dirs = findGoldenSets(goldenDir())

beforeAll(async () => {
  await initBackend()
})

describe('onnxruntime golden parity', () => {
  it.each(dirs.map((d) => [d.split('/').pop()!, d]))('%s: exported graphs reproduce the reference and tfjs', async (_name, dir) => {
    const rows = await checkGoldenSetOrt(dir)
    expect(rows.filter((r) => !r.ok).map(rowLine)).toEqual([])
    const checked = rows.map((r) => r.tensor)
    for (const name of ['enc_code [onnxruntime]', 'sample_final [onnxruntime]', 'v [onnxruntime vs tfjs]', 'enc_code_pre [onnxruntime vs tfjs]']) {
      expect(checked).toContain(name)
    }
    expect(rows.find((r) => r.tensor === 'enc_code [onnxruntime]')!.maxAbs).toBe(0)
  })
})
