// A throwaway training setup: synthetic 24×24 PNGs (or another size), a tiny model config (16×16, patch 4, width 32, 1+1 blocks)
// as a JSON file, and run options that train it in a second.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { explicitSizes } from '../../../src/trainer/train/checkpointing'
import { defaultRunOptions, type RunOptions } from '../../../src/trainer/train/run-options'
import { tinyConfig } from './tiny'

export interface RunFixture {
  root: string
  data: string
  configPath: string
}

export async function makeRunFixture(images = 6, sizePx = 24): Promise<RunFixture> {
  const root = mkdtempSync(join(tmpdir(), 'flowmo-train-'))
  const data = join(root, 'data')
  mkdirSync(data)
  for (let i = 0; i < images; i++) {
    const px = Buffer.alloc(sizePx * sizePx * 3)
    for (let p = 0; p < sizePx * sizePx; p++) {
      const [y, x] = [Math.floor(p / sizePx), p % sizePx]
      px.set([(x * 10 + i * 40) % 256, (y * 10 + i * 25) % 256, ((x + y) * 5 + i * 60) % 256], p * 3)
    }
    await sharp(px, { raw: { width: sizePx, height: sizePx, channels: 3 } }).png().toFile(join(data, `img${i}.png`))
  }
  const configPath = join(root, 'tiny.json')
  writeFileSync(configPath, JSON.stringify({ ...explicitSizes(tinyConfig()), sampling: { steps: 3, schedule: 'linear', cfg: 1, cfgInterval: null } }))
  return { root, data, configPath }
}

export function tinyRunOptions(f: RunFixture, out: string, over: Partial<RunOptions> = {}): RunOptions {
  return {
    ...defaultRunOptions('1a'), data: f.data, out, config: { ...tinyConfig(), sampling: { steps: 3, schedule: 'linear', cfg: 1, cfgInterval: null } },
    batchSize: 2, lr: 1e-3, perceptual: 'none', logEvery: 1, sampleEvery: 1000, valEvery: 1000, valImages: 2, ...over,
  }
}
