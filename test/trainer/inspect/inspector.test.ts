// The inspector through the file policy: paths outside the allowed roots are refused; allowed ones open; uploads
// are decoded; the model summary carries the config numbers the Open view shows.
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { allowRoot } from '../../../src/trainer/files'
import { Inspector } from '../../../src/trainer/inspect/inspector'
import { photoPath, tinyA } from './fixture'

let backend: string
beforeAll(async () => ({ name: backend } = await initBackend()))

describe('Inspector', () => {
  it('refuses a checkpoint outside the allowed roots, opens it once its folder is allowed', async () => {
    const inspector = new Inspector()
    await expect(inspector.openModel({ path: tinyA.path, config: tinyA.config }, backend)).rejects.toMatchObject({ code: 'forbidden' })
    await allowRoot(dirname(tinyA.path))
    const summary = await inspector.openModel({ path: tinyA.path, config: tinyA.config }, backend)
    expect(summary).toMatchObject({
      name: 'checkpoint.pth', format: 'pth', imageSize: 32, patchSize: 4, codeLength: 16, contextDim: 6, codebookSizeForEntropy: 3,
      parameters: 1_502_765, bitsPerPixel: 0.09375, backend, stateDict: 'model_ema_state_dict', totalSteps: 1234,
      sampling: { steps: 6, rho: 4, cfg: 1.5, interval: [0.17, 1.02] },
    })
    expect(await inspector.closeModel({ modelId: summary.modelId })).toEqual({ closed: true })
    expect(await inspector.closeModel({ modelId: summary.modelId })).toEqual({ closed: false })
    expect(() => inspector.ctx.models.get(summary.modelId)).toThrow(/no open model/)
  })

  it('opens uploaded bytes with sharp and gives a PNG thumbnail; refuses bytes that are no image', async () => {
    const inspector = new Inspector()
    const [ref] = await inspector.openImages({ files: [{ name: 'photo.jpg', bytes: new Uint8Array(readFileSync(photoPath)) }] })
    expect(ref).toMatchObject({ imageId: 'image-1', name: 'photo.jpg' })
    expect(ref.h * ref.w).toBeGreaterThan(0)
    expect([...ref.thumbnail.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    await expect(inspector.openImages({ files: [{ name: 'x.png', bytes: new Uint8Array([1, 2, 3]) }] })).rejects.toMatchObject({ code: 'bad-image' })
  })

  it('lists the allowed roots when no folder is given', async () => {
    await allowRoot(dirname(tinyA.path))
    const listing = await new Inspector().listFiles({})
    expect(listing.dir).toBeNull()
    expect(listing.entries.map((e) => e.path)).toContain(dirname(tinyA.path))
  })
})
