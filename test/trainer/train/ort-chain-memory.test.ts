// Stage 1B on onnxruntime keeps its memory bounded by recomputation: the peak RSS of a k = 8 chain step is that of a
// k = 1 step (each in its own process; test/fixtures/train/stage1b-step-rss.ts), not ~8× the activations of a call.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../../..')

function peakRss(k: number): number {
  const res = spawnSync('npx', ['tsx', 'test/fixtures/train/stage1b-step-rss.ts', 'tiny-64', '4', String(k)], { cwd: ROOT, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`stage1b-step-rss k=${k} failed:\n${res.stderr}`)
  return (JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { peak_rss_mb: number }).peak_rss_mb
}

describe('onnxruntime Stage-1B step memory', () => {
  it('peaks at a k = 8 chain no higher than at k = 1 (+ 100 MB)', () => {
    const [one, eight] = [peakRss(1), peakRss(8)]
    console.log(`tiny-64, batch 4: Stage-1B step peak RSS k=1 ${one} MB, k=8 ${eight} MB`)
    expect(one).toBeGreaterThan(200) // a real measurement: node + onnxruntime + the sessions
    expect(eight).toBeLessThanOrEqual(one + 100)
  })
})
