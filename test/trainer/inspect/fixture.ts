// Shared setup of the inspector tests: the golden tiny-a checkpoint (32 px, 16 tokens × 6 bits, random weights) on
// either inference path (tfjs on the best available backend, or onnxruntime on its export in a temporary cache),
// one pipeline fixture photo, and job hooks that record progress.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src/trainer/backend'
import type { DecodeRequest, SamplingRequest } from '../../../src/shared/payloads/inspect'
import type { InspectContext, JobHooks } from '../../../src/trainer/inspect/context'
import { ImageRegistry } from '../../../src/trainer/inspect/image-registry'
import { LpipsOnDemand } from '../../../src/trainer/inspect/image-metrics'
import { ModelRegistry } from '../../../src/trainer/inspect/model-registry'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import type { DecodePath } from '../../../src/shared/payloads/inspect'

export const tinyA = {
  path: join(goldenDir(), 'tiny-a', 'checkpoint.pth'),
  config: join(goldenDir(), 'tiny-a', 'config.json'),
}
export const photoPath = join(import.meta.dirname, '..', '..', 'fixtures', 'images', 'pipeline', 'photo.jpg')

/** Three Euler steps (t = 1, 0.198, 0.012); guidance inside σ (.17, 1.02) applies at t = 0.198 only: fast, both paths run. */
export const fastSampling: SamplingRequest = { steps: 3, rho: 4, cfg: 1.5, interval: [0.17, 1.02] }

/** Both inference paths, for `describe.each`. */
export const decodePaths: readonly DecodePath[] = ['tfjs', 'onnxruntime']

/** The export cache of these tests (keyed by checkpoint hash and config, so each worker reuses one export). */
export const exportCache = join(tmpdir(), 'flowmo-inspect-test-onnx')

export async function openFixture(path: DecodePath = 'tfjs'): Promise<{ ctx: InspectContext; req: DecodeRequest }> {
  const { name } = await initBackend()
  const models = new ModelRegistry({ path, cacheDir: exportCache })
  const ctx: InspectContext = { models, images: new ImageRegistry(), lpips: new LpipsOnDemand() }
  const { modelId } = await ctx.models.open(tinyA, name)
  const { imageId } = await ctx.images.openPath(photoPath)
  return { ctx, req: { modelId, imageId, sampling: fastSampling, seed: 7 } }
}

export function hooks(): JobHooks & { calls: [number, number][] } {
  const calls: [number, number][] = []
  return { signal: new AbortController().signal, progress: (done, total) => void calls.push([done, total]), calls }
}
