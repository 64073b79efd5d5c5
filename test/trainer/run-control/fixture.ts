// A throwaway run setup for the engine's run calls: 8 real 64×64 photos, the tiny test model (16×16, patch 4,
// width 32, 1+1 blocks, or another model) as an explicit-sizes JSON config, all under a temp root the file policy allows.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { allowRoot } from '../../../src/trainer/files'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import type { FlowMoConfig } from '../../../src/trainer/model/configs'
import { explicitSizes } from '../../../src/trainer/train/checkpointing'
import { tinyConfig } from '../train/tiny'

export interface RunFixture {
  readonly root: string
  readonly data: string
  readonly config: string
}

export const photosDir = join(goldenDir(), '..', 'data', 'photos')

export async function makeRunFixture(images = 8, model: FlowMoConfig = tinyConfig()): Promise<RunFixture> {
  const root = await allowRoot(mkdtempSync(join(tmpdir(), 'flowmo-engine-run-')))
  const data = join(root, 'data')
  mkdirSync(data)
  const train = join(photosDir, 'train-64')
  for (const name of readdirSync(train).sort().slice(0, images)) copyFileSync(join(train, name), join(data, name))
  const config = join(root, 'tiny.json')
  writeFileSync(config, JSON.stringify({ ...explicitSizes(model), sampling: { steps: 3, schedule: 'linear', cfg: 1, cfgInterval: null } }))
  return { root, data, config }
}
