// The model registry's path choice: auto takes onnxruntime on a working export and falls back to tfjs saying why;
// export folders are recognised by their flowmo.json; a first open reports its export steps as job progress, a cache
// hit none, and a cancelled open leaves no cache entry (and does not fall back to tfjs).
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { cachedExport } from '../../../src/trainer/export/export-cache'
import type { JobHooks } from '../../../src/trainer/inspect/context'
import { isExportFolder, ModelRegistry } from '../../../src/trainer/inspect/model-registry'
import { exportCache, tinyA } from './fixture'

const work = mkdtempSync(join(tmpdir(), 'flowmo-registry-'))
const notADir = join(work, 'file')
let backend: string

type Progress = { done: number; total: number; message: string }

/** Job hooks that record progress; `onProgress` may cancel. */
function recording(events: Progress[], controller = new AbortController(), onProgress = (_: Progress) => {}): JobHooks {
  return { signal: controller.signal, progress: (done, total, message) => (events.push({ done, total, message }), onProgress({ done, total, message })) }
}

beforeAll(async () => {
  ;({ name: backend } = await initBackend())
  writeFileSync(notADir, 'a file where the export cache should be')
})

describe('ModelRegistry', () => {
  it('auto: onnxruntime on a working export; tfjs with the reason when the export fails', async () => {
    const fast = await new ModelRegistry({ cacheDir: exportCache }).open(tinyA, backend)
    expect([fast.inferencePath, fast.format]).toEqual(['onnxruntime', 'pth'])
    const fallback = await new ModelRegistry({ cacheDir: join(notADir, 'cache') }).open(tinyA, backend)
    expect(fallback.inferencePath).toBe('tfjs')
    expect(fallback.inferenceNotice).toMatch(/^inference path: tfjs \(onnxruntime unavailable: /)
    await expect(new ModelRegistry({ path: 'onnxruntime', cacheDir: join(notADir, 'cache') }).open(tinyA, backend)).rejects.toThrow(/onnxruntime path failed/)
  })

  it('knows an export folder by its flowmo.json', async () => {
    const { dir } = await cachedExport({ checkpoint: tinyA.path, config: tinyA.config }, { cacheDir: exportCache })
    expect([isExportFolder(dir), isExportFolder(work), isExportFolder(notADir), isExportFolder(join(work, 'missing'))]).toEqual([true, false, false, false])
  })

  it('reports a first open step by step in order (hash, encoder, decoder, load); a second open none', async () => {
    const cacheDir = join(work, 'progress-cache')
    const events: Progress[] = []
    const first = await new ModelRegistry({ cacheDir }).open(tinyA, backend, recording(events))
    expect(first.inferencePath).toBe('onnxruntime')
    const steps = events.map((e) => Number(/… (\d)\/4/.exec(e.message)?.[1]))
    expect([...new Set(steps)]).toEqual([1, 2, 3, 4])
    expect(steps).toEqual([...steps].sort()) // never back to an earlier step
    expect(events.every((e, i) => e.total === 4 && e.done === steps[i] - 1)).toBe(true)
    expect(events[0].message).toBe('hashing the checkpoint… 1/4')
    expect(events.map((e) => e.message)).toContain('exporting the encoder to ONNX… 2/4 (tracing and writing encoder.onnx)')
    expect(events.some((e) => /^exporting the decoder to ONNX… 3\/4 \(read \d+\/\d+ tensors\)$/.test(e.message))).toBe(true)
    expect(events.at(-1)?.message).toBe('loading the exported model… 4/4')
    const again: Progress[] = []
    const second = await new ModelRegistry({ cacheDir }).open(tinyA, backend, recording(again))
    expect([second.inferencePath, again]).toEqual(['onnxruntime', []]) // cache hit: nothing to report
  })

  it('a cancelled first open fails as cancelled, leaves no cache entry and does not fall back to tfjs', async () => {
    const cacheDir = join(work, 'cancel-cache')
    const controller = new AbortController()
    const events: Progress[] = []
    const cancelAtEncoder = (e: Progress) => e.done === 1 && controller.abort()
    await expect(new ModelRegistry({ cacheDir }).open(tinyA, backend, recording(events, controller, cancelAtEncoder))).rejects.toMatchObject({ name: 'AbortError' })
    expect(readdirSync(cacheDir)).toEqual(['hashes.json'])
    expect(events.some((e) => e.message.startsWith('exporting the decoder'))).toBe(false)
  })
})
