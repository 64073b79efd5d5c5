// `flowmo train --engine onnxruntime --stage 1b` as a child process, the command of issue #15's contract: a fresh
// tiny-64 checkpoint as --init, the offline perceptual proxy through the 8-step chain, 3 steps and a checkpoint.
// (--batch 2 and --val-images 2 keep it short; the rest is the contract's command.)
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openWeights } from '../../src/trainer/checkpoint/checkpoint'
import { writeRandomCheckpoint } from '../../src/trainer/checkpoint/random-checkpoint'
import { makeRunFixture, type RunFixture } from '../trainer/train/run-fixture'

const BIN = resolve(__dirname, '../../bin/flowmo.mjs')
let f: RunFixture
let init: string
beforeAll(async () => {
  f = await makeRunFixture(4, 64)
  init = join(f.root, 'init.pth')
  await writeRandomCheckpoint('tiny-64', init, { stateDicts: 'both', seed: 1 })
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

async function readAll(path: string): Promise<Map<string, Float32Array>> {
  const w = await openWeights(path, { stateDict: 'raw' })
  try {
    return new Map(await Promise.all([...w.tensors.values()].map(async (t) => [t.name, await t.read()] as const)))
  } finally {
    await w.close()
  }
}

describe('flowmo train --engine onnxruntime --stage 1b', () => {
  it('trains Stage 1B through the chain with the proxy: 3 steps, a checkpoint, the encoder untouched', async () => {
    const out = join(f.root, 'stage-1b')
    const res = spawnSync(process.execPath, [
      BIN, 'train', '--engine', 'onnxruntime', '--stage', '1b', '--init', init, '--perceptual', 'proxy', '--data', f.data,
      '--val', f.data, '--preset', 'tiny-64', '--out', out, '--max-steps', '3', '--checkpoint-every', '3', '--batch', '2', '--val-images', '2',
    ], { encoding: 'utf8' })
    expect(res.status, res.stderr).toBe(0)
    expect(res.stderr).toMatch(/training step graph on cpu \(decoder only\)/)
    expect(res.stdout).toMatch(/finished at step 3/)
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>)
    const step3 = rows.find((r) => r.step === 3 && r.stage === '1b')!
    expect(step3.perceptual_loss).toBeGreaterThan(0) // the chain's term ran
    expect(step3.total_loss).toBeCloseTo((step3.flow_loss as number) + (step3.quantizer_loss as number) + (step3.perceptual_loss as number), 6)
    const [before, after] = [await readAll(init), await readAll(join(out, 'checkpoints', 'step-000003.safetensors'))]
    const changed = (prefix: string) => [...before].filter(([n]) => n.startsWith(prefix)).some(([n, v]) => v.some((a, i) => a !== after.get(n)![i]))
    expect(changed('encoder.')).toBe(false)
    expect(changed('decoder.')).toBe(true)
  })
})
