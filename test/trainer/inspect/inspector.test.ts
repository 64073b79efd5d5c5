// The inspector through the file policy: paths outside the allowed roots are refused; allowed ones open (checkpoints on
// the fast path or on tfjs when asked, exported ONNX folders on onnxruntime); uploads are decoded; the model summary
// carries the config numbers the Open view shows.
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { cachedExport } from '../../../src/trainer/export/export-cache'
import { allowRoot } from '../../../src/trainer/files'
import { Inspector } from '../../../src/trainer/inspect/inspector'
import { exportCache, fastSampling, hooks, photoPath, tinyA } from './fixture'

let backend: string
beforeAll(async () => {
  ;({ name: backend } = await initBackend())
  vi.stubEnv('FLOWMO_CACHE_DIR', exportCache) // the fast path exports checkpoints here, not into the user's cache
})

describe('Inspector', () => {
  it('refuses a checkpoint outside the allowed roots, opens it once its folder is allowed', async () => {
    const inspector = new Inspector()
    await expect(inspector.openModel({ path: tinyA.path, config: tinyA.config }, backend)).rejects.toMatchObject({ code: 'forbidden' })
    await allowRoot(dirname(tinyA.path))
    const summary = await inspector.openModel({ path: tinyA.path, config: tinyA.config }, backend)
    expect(summary).toMatchObject({ inferencePath: 'onnxruntime', inferenceNotice: expect.stringMatching(/^inference path: onnxruntime \(cpu; export /), backend }) // the fast path by default
    vi.stubEnv('FLOWMO_INFERENCE_PATH', 'tfjs')
    expect(await new Inspector().openModel({ path: tinyA.path, config: tinyA.config }, backend)).toMatchObject({ inferencePath: 'tfjs', backend })
    vi.unstubAllEnvs()
    vi.stubEnv('FLOWMO_CACHE_DIR', exportCache)
    expect(summary).toMatchObject({
      name: 'checkpoint.pth', format: 'pth', imageSize: 32, patchSize: 4, codeLength: 16, contextDim: 6, codebookSizeForEntropy: 3,
      parameters: 1_502_765, bitsPerPixel: 0.09375, stateDict: 'model_ema_state_dict', totalSteps: 1234,
      sampling: { steps: 6, rho: 4, cfg: 1.5, interval: [0.17, 1.02] },
    })
    expect(await inspector.closeModel({ modelId: summary.modelId })).toEqual({ closed: true })
    expect(await inspector.closeModel({ modelId: summary.modelId })).toEqual({ closed: false })
    expect(() => inspector.ctx.models.get(summary.modelId)).toThrow(/no open model/)
  })

  it('opens uploaded bytes with sharp and gives a PNG thumbnail; refuses bytes that are no image', async () => {
    const inspector = new Inspector()
    const uploaded = async (name: string, bytes: Uint8Array) => {
      const { uploadId } = await inspector.beginUpload({ name, size: bytes.byteLength })
      await inspector.uploadChunk({ uploadId, offset: 0, bytes })
      return uploadId
    }
    const [ref] = await inspector.openImages({ uploads: [await uploaded('photo.jpg', new Uint8Array(readFileSync(photoPath)))] })
    expect(ref).toMatchObject({ imageId: 'image-1', name: 'photo.jpg' })
    expect(ref.h * ref.w).toBeGreaterThan(0)
    expect([...ref.thumbnail.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    await expect(inspector.openImages({ uploads: [await uploaded('x.png', new Uint8Array([1, 2, 3]))] })).rejects.toMatchObject({ code: 'bad-image' })
  })

  it('lists the allowed roots when no folder is given', async () => {
    const root = await allowRoot(dirname(tinyA.path)) // its real path: the roots are listed as the policy resolved them
    const listing = await new Inspector().listFiles({})
    expect(listing.dir).toBeNull()
    expect(listing.entries.map((e) => e.path)).toContain(root)
  })

  it('opens an exported ONNX folder on onnxruntime; its decode jobs report that path', async () => {
    const { dir } = await cachedExport({ checkpoint: tinyA.path, config: tinyA.config }, { cacheDir: exportCache })
    const inspector = new Inspector()
    await allowRoot(dirname(tinyA.path))
    await allowRoot(dirname(photoPath))
    await expect(inspector.openModel({ path: dir }, backend)).rejects.toMatchObject({ code: 'forbidden' })
    await allowRoot(dir)
    await expect(inspector.openModel({ path: dir, config: tinyA.config }, backend)).rejects.toMatchObject({ code: 'invalid-request' })
    const summary = await inspector.openModel({ path: dir }, backend)
    expect(summary).toMatchObject({
      path: dir, format: 'onnx', inferencePath: 'onnxruntime', inferenceNotice: 'inference path: onnxruntime (cpu; export folder)', imageSize: 32, codeLength: 16, contextDim: 6,
      parameters: 1_502_765, stateDict: 'model_ema_state_dict', totalSteps: 1234,
    })
    const [image] = await inspector.openImages({ paths: [photoPath] })
    const report = await inspector.reconstruct({ modelId: summary.modelId, imageId: image.imageId, sampling: fastSampling, seed: 3 }, hooks())
    expect([report.path, report.L, report.C, report.nfe]).toEqual(['onnxruntime', 16, 6, 4])
    expect(await inspector.closeModel({ modelId: summary.modelId })).toEqual({ closed: true })
  })
})
