// Request schemas of the evaluation jobs: valid requests pass; a bad model, metric, grid axis, method or path is named.
import { describe, expect, it } from 'vitest'
import { checkCall } from '../../../src/shared/rpc'
import { trainerSchemas } from '../../../src/shared/protocol'

const schemas = trainerSchemas as unknown as Record<string, import('../../../src/shared/schema').Schema<unknown>>
const refused = (method: string, req: unknown) => checkCall(schemas, { method, req })?.message ?? null

const model = { checkpoint: '/m.safetensors' }
const sampling = { steps: 25, rho: 4, cfg: 1.5, interval: [0.17, 1.02] }

describe('job call schemas', () => {
  it('evaluate', () => {
    expect(refused('evaluate', { model, data: '/d', n: 10, sampling, metrics: ['psnr', 'fid'], psnr: 'batch-pooled', out: '/o', path: 'auto' })).toBeNull()
    expect(refused('evaluate', { data: '/d' })).toMatch(/^evaluate\(req\)\.model: expected object/)
    expect(refused('evaluate', { model: { checkpoint: '/m', stateDict: 'best' }, data: '/d' })).toMatch(/\.model\.stateDict: expected one of "ema", "raw"/)
    expect(refused('evaluate', { model, data: '/d', metrics: ['psnr', 'bleu'] })).toMatch(/\.metrics\[1\]: expected one of/)
    expect(refused('evaluate', { model, data: '/d', sampling: { ...sampling, steps: 0 } })).toMatch(/\.sampling\.steps: expected integer ≥ 1/)
  })

  it('sweep', () => {
    expect(refused('sweep', { model, data: '/d', grid: { steps: [2, 4], rho: [1, 4], interval: [null, [0.17, 1.02]] }, limit: 4 })).toBeNull()
    expect(refused('sweep', { model, data: '/d' })).toMatch(/\.grid: expected object/)
    expect(refused('sweep', { model, data: '/d', grid: { steps: [0] } })).toMatch(/\.grid\.steps\[0\]: expected integer ≥ 1/)
    expect(refused('sweep', { model, data: '/d', grid: { interval: [[2, 1]] } })).toMatch(/\.grid\.interval\[0\]: expected null or \[lo, hi\]/)
    expect(refused('sweep', { model, data: '/d', grid: { seed: [1] } })).toBe('sweep(req).grid: unknown field "seed"')
  })

  it('openSweep', () => {
    expect(refused('openSweep', { path: '/s/sweep.json' })).toBeNull()
    expect(refused('openSweep', { path: 3 })).toMatch(/^openSweep\(req\)\.path: expected string/)
    expect(refused('openSweep', { path: '/s.json', imagesDir: '/' })).toBe('openSweep(req): unknown field "imagesDir"')
  })

  it('compare, exportRatings, importRatings', () => {
    expect(refused('compare', { model, methods: ['flowmo', 'jpeg', { onnx: '/t' }], images: ['/a.png'] })).toBeNull()
    expect(refused('compare', { methods: ['jpeg'], images: ['/a.png'], targetBpp: 1, imageSizePx: 64 })).toBeNull()
    expect(refused('compare', { methods: ['jpeg'], images: [], imageSizePx: 2.5 })).toMatch(/\.imageSizePx: expected integer/)
    expect(refused('compare', { model, methods: ['flowmo', { flowmo: '/b.pth', label: 'step-20k' }, { flowmo: '/c.pth' }], images: ['/a.png'] })).toBeNull()
    expect(refused('compare', { methods: ['png'], images: [] })).toMatch(/\.methods\[0\]: expected "flowmo", "jpeg", "webp", "avif", \{ flowmo: checkpoint, label\? \} or \{ onnx: folder \}/)
    expect(refused('compare', { methods: [{ flowmo: '/b.pth', label: 7 }], images: [] })).toMatch(/\.methods\[0\]: expected/)
    expect(refused('compare', { methods: [{ onnx: 3 }], images: [] })).toMatch(/\.methods\[0\]: expected/)
    expect(refused('exportRatings', { model, methods: ['flowmo', 'webp'], images: ['/a.png'], out: '/x', title: 'pilot' })).toBeNull()
    expect(refused('exportRatings', { model, methods: ['flowmo', 'webp'], images: ['/a.png'] })).toMatch(/\.out: expected string/)
    expect(refused('exportRatings', { methods: ['jpeg', 'webp'], images: ['/a.png'], out: '/x', targetBpp: 1, imageSizePx: 64 })).toBeNull() // codecs alone: no checkpoint
    expect(refused('exportRatings', { methods: ['jpeg', 'webp'], images: ['/a.png'], out: '/x', imageSizePx: 4 })).toMatch(/\.imageSizePx: expected integer/)
    expect(refused('importRatings', { exportDir: '/x', ratings: ['/r.json'], minMs: 500, requireFlip: true })).toBeNull()
    expect(refused('importRatings', { exportDir: '/x', ratings: '/r.json' })).toMatch(/\.ratings: expected array/)
    expect(refused('importRatings', { exportDir: '/x', ratings: [], minMs: -1 })).toMatch(/\.minMs: expected finite number ≥ 0/)
  })
})
