// openFastModel: auto takes onnxruntime (exporting into the cache) and says so; tfjs on request; a failing
// export falls back to tfjs with the reason under auto, and is an error when onnxruntime was asked for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { openFastModel, type PathChoice } from '../../../src/trainer/inference/fast-path'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const set = findGoldenSets(goldenDir())[0]
const src = { checkpoint: join(set, 'weights.safetensors'), config: join(set, 'config.json') }
const work = mkdtempSync(join(tmpdir(), 'flowmo-fast-path-'))
const cacheDir = join(work, 'cache')
const notADir = join(work, 'file')

beforeAll(async () => {
  await initBackend()
  writeFileSync(notADir, 'a file where the cache folder should be')
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('openFastModel', () => {
  it('auto: onnxruntime on a cached export, and reconstructs', async () => {
    const fast = await openFastModel(src, { cacheDir })
    expect(fast.path).toBe('onnxruntime')
    expect(fast.notice).toMatch(/^inference path: onnxruntime \(cpu; export .*cache/)
    const S = fast.model.config.imageSize
    const res = await fast.model.reconstruct(new Float32Array(3 * S * S).fill(0.2), 1)
    expect(res.images.length).toBe(3 * S * S)
    await fast.model.dispose()
  })

  it('tfjs when asked', async () => {
    const fast = await openFastModel(src, { path: 'tfjs', cacheDir })
    expect([fast.path, fast.notice]).toEqual(['tfjs', 'inference path: tfjs (requested)'])
    await fast.model.dispose()
  })

  it('auto falls back to tfjs with the reason when the export fails', async () => {
    const fast = await openFastModel(src, { cacheDir: join(notADir, 'cache') })
    expect(fast.path).toBe('tfjs')
    expect(fast.notice).toMatch(/^inference path: tfjs \(onnxruntime unavailable: .*(ENOTDIR|not a directory)/)
    await fast.model.dispose()
  })

  it('onnxruntime when asked fails loudly instead of falling back', async () => {
    await expect(openFastModel(src, { path: 'onnxruntime', cacheDir: join(notADir, 'cache') })).rejects.toThrow(/onnxruntime path failed/)
    await expect(openFastModel(src, { path: 'gpu' as PathChoice })).rejects.toThrow(/auto, onnxruntime, tfjs/)
  })
})
