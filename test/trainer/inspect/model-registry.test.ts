// The model registry's path choice: auto takes onnxruntime on a working export and falls back to tfjs saying why;
// export folders are recognised by their flowmo.json.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { cachedExport } from '../../../src/trainer/export/export-cache'
import { isExportFolder, ModelRegistry } from '../../../src/trainer/inspect/model-registry'
import { exportCache, tinyA } from './fixture'

const work = mkdtempSync(join(tmpdir(), 'flowmo-registry-'))
const notADir = join(work, 'file')
let backend: string

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
})
