// Inspector request schemas: valid requests pass; negative k, out-of-range bits, bad intervals and extra fields are refused.
import { describe, expect, it } from 'vitest'
import { checkCall } from '../../../src/shared/rpc'
import { trainerSchemas } from '../../../src/shared/protocol'
import { UPLOAD_CHUNK_BYTES } from '../../../src/shared/payloads/inspect'

const decode = { modelId: 'model-1', imageId: 'image-1', sampling: { steps: 25, rho: 4, cfg: 1.5, interval: [0.17, 1.02] }, seed: 0 }
const refusal = (method: string, req: unknown) => checkCall(trainerSchemas, { method, req })?.message ?? null

describe('inspector schemas', () => {
  it('accept well-formed requests', () => {
    expect(refusal('reconstruct', decode)).toBeNull()
    expect(refusal('reconstruct', { ...decode, sampling: { ...decode.sampling, interval: null } })).toBeNull()
    expect(refusal('sampleVariance', { ...decode, k: 8 })).toBeNull()
    expect(refusal('flipBits', { ...decode, flips: [{ token: 255, bit: 17 }] })).toBeNull()
    expect(refusal('bitAtlas', { ...decode, subset: 64 })).toBeNull()
    expect(refusal('openImages', { uploads: ['upload-1'] })).toBeNull()
    expect(refusal('uploadChunk', { uploadId: 'upload-1', offset: 0, bytes: new Uint8Array(UPLOAD_CHUNK_BYTES) })).toBeNull()
    expect(refusal('openModel', { path: '/m.safetensors', stateDict: 'ema' })).toBeNull()
    expect(refusal('bundled', undefined)).toBeNull()
  })

  it('refuse negative or zero k, negative tokens and bits, fractional steps', () => {
    expect(refusal('sampleVariance', { ...decode, k: -1 })).toMatch(/\(req\)\.k: expected integer ≥ 2/)
    expect(refusal('sampleVariance', { ...decode, k: 0 })).toMatch(/\(req\)\.k/)
    expect(refusal('flipBits', { ...decode, flips: [{ token: -1, bit: 0 }] })).toMatch(/\(req\)\.flips\[0\]\.token/)
    expect(refusal('flipBits', { ...decode, flips: [{ token: 0, bit: 1.5 }] })).toMatch(/\(req\)\.flips\[0\]\.bit/)
    expect(refusal('flipBits', { ...decode, flips: [{ token: 70_000, bit: 0 }] })).toMatch(/≤ 65535/)
    expect(refusal('reconstruct', { ...decode, sampling: { ...decode.sampling, steps: 2.5 } })).toMatch(/sampling\.steps/)
  })

  it('refuse bad guidance intervals, unknown fields and missing ids', () => {
    for (const interval of [[1, 0.5], [-0.1, 1], [0.1], 'x']) {
      expect(refusal('reconstruct', { ...decode, sampling: { ...decode.sampling, interval } })).toMatch(/sampling\.interval/)
    }
    expect(refusal('reconstruct', { ...decode, extra: 1 })).toMatch(/unknown field "extra"/)
    expect(refusal('trajectory', { ...decode, modelId: undefined })).toMatch(/\(req\)\.modelId/)
    expect(refusal('uploadChunk', { uploadId: 'u', offset: 0, bytes: [1, 2] })).toMatch(/bytes: expected Uint8Array/)
    expect(refusal('uploadChunk', { uploadId: 'u', offset: 0, bytes: new Uint8Array(UPLOAD_CHUNK_BYTES + 1) })).toMatch(/\(req\)\.bytes/) // a chunk never grows with the file
    expect(refusal('beginUpload', { name: 'a.png', size: -1 })).toMatch(/\(req\)\.size/)
  })
})
