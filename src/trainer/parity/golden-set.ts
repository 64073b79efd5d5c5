// A golden parity set (../shared/golden/<set>/): config.json, weights.safetensors, checkpoint.pth, io.safetensors,
// produced by the official PyTorch code (see that folder's README). Any folder in the same format is a set.
import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SafetensorsFile } from '../checkpoint/safetensors'
import { configFromDocument } from '../model/config-file'
import type { FlowMoConfig } from '../model/configs'

export interface GoldenTensor {
  shape: number[]
  data: Float32Array
}

/** The `golden` section of config.json: what was computed and with which settings. */
export interface GoldenSpec {
  grad_params: string[]
  grad_candidates_not_in_graph?: string[]
  grad1b_params: string[]
  stage1b_k: number
}

export interface GoldenSet {
  name: string
  dir: string
  config: FlowMoConfig
  spec: GoldenSpec
  io: Map<string, GoldenTensor>
}

const FILES = ['config.json', 'weights.safetensors', 'io.safetensors']

/** Every sub-folder of `root` that holds a set, sorted by name. */
export function findGoldenSets(root: string): string[] {
  if (!existsSync(root)) throw new Error(`golden folder ${root} does not exist`)
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && FILES.every((f) => existsSync(join(root, d.name, f))))
    .map((d) => join(root, d.name))
    .sort()
}

export async function loadGoldenSet(dir: string): Promise<GoldenSet> {
  const doc = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>
  const config = configFromDocument(doc, join(dir, 'config.json'))
  const io = new Map<string, GoldenTensor>()
  const st = await SafetensorsFile.open(join(dir, 'io.safetensors'))
  try {
    for (const e of st.header.entries) io.set(e.name, { shape: [...e.shape], data: await st.readTensor(e.name) })
  } finally {
    await st.close()
  }
  const name = typeof doc.name === 'string' ? doc.name : dir.split('/').pop()!
  return { name, dir, config, spec: doc.golden as GoldenSpec, io }
}
