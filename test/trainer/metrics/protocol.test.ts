import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diffCards, formatCard, hashFile, metricsVersion, type ProtocolCard } from '../../../src/trainer/metrics/protocol'

const card: ProtocolCard = {
  metricsVersion,
  dataset: { path: '/data/imagenet/val', sha256: 'aa11', nImages: 50000 },
  resolutionPx: 256,
  resize: 'resize-shorter+center-crop',
  quantise: 'truncate',
  network: { name: 'inception-v3-fid pool3', input: 'float [0,1], bilinear 299', weightsFile: 'pt_inception.pth', sha256: 'cc33' },
  psnr: { convention: 'batch-pooled', batchSize: 5 },
  ssim: { variant: 'skimage-default-7x7', range: 'unit' },
  sampler: { steps: 25, rho: 4, cfg: 1.5, cfgInterval: [0.1453, 0.505], seed: 0, noise: 'per image' },
  checkpoint: { path: 'flowmo_lo.pth', sha256: 'dd44', weights: 'ema' },
  backend: 'onnxruntime-node-cpu',
}

describe('protocol card', () => {
  it('hashes a file with sha256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'card-'))
    await writeFile(join(dir, 'abc.txt'), 'abc')
    expect(await hashFile(join(dir, 'abc.txt'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    await rm(dir, { recursive: true })
  })

  it('diffs two cards field by field, arrays as values', () => {
    const other: ProtocolCard = {
      ...card,
      psnr: { convention: 'per-image', batchSize: null },
      sampler: { ...card.sampler, cfgInterval: [0.1, 0.5] },
    }
    expect(diffCards(card, card)).toEqual([])
    expect(diffCards(card, other)).toEqual([
      { field: 'psnr.convention', a: 'batch-pooled', b: 'per-image' },
      { field: 'psnr.batchSize', a: 5, b: null },
      { field: 'sampler.cfgInterval', a: [0.1453, 0.505], b: [0.1, 0.5] },
    ])
    expect(diffCards(card, { ...card, network: null })).toEqual([{ field: 'network', a: card.network, b: null }])
  })

  it('formats one aligned line per field', () => {
    const lines = formatCard(card).split('\n')
    expect(lines.find((l) => l.startsWith('sampler.cfgInterval '))?.endsWith(' [0.1453,0.505]')).toBe(true)
    expect(lines.find((l) => l.startsWith('dataset.sha256 '))?.endsWith(' "aa11"')).toBe(true)
    expect(lines.length).toBe(25)
    expect(new Set(lines.map((l) => l.search(/ {2}\S/))).size).toBe(1) // values start in one column
  })
})
