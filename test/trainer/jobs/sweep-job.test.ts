// The app's sweep job says which files it skipped, as `flowmo sweep` prints them: a folder with a truncated PNG and a
// text file named .png sweeps the rest, and the originals event carries one "skipped <path>: <reason>" per bad file.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { allowRoot } from '../../../src/trainer/files'
import { sweepJob } from '../../../src/trainer/jobs/sweep-job'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const set = join(goldenDir(), 'tiny-a')
const val = join(goldenDir(), '..', 'data', 'photos', 'val-64')
let data: string

beforeAll(async () => {
  await initBackend('wasm')
  data = await allowRoot(mkdtempSync(join(tmpdir(), 'flowmo-sweep-job-')))
  for (const root of [set, val]) await allowRoot(root)
  for (const f of ['val64_0000.png', 'val64_0001.png']) copyFileSync(join(val, f), join(data, f))
  const png = readFileSync(join(val, 'val64_0002.png'))
  writeFileSync(join(data, 'truncated.png'), png.subarray(0, png.length >> 1))
  writeFileSync(join(data, 'notes.png'), 'not an image')
})

describe('sweepJob', () => {
  it('sweeps the readable images and reports the skipped ones with the originals', async () => {
    let notices: readonly string[] = []
    const result = await sweepJob(
      { model: { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }, data, grid: { steps: [1], rho: [4] }, metrics: ['psnr'], path: 'tfjs' },
      { signal: new AbortController().signal, progress: () => {} },
      { onOriginals: (_, said) => void (notices = said), onCell: () => {} },
    )
    expect(result.images.map((i) => i.path.split('/').pop())).toEqual(['val64_0000.png', 'val64_0001.png'])
    const skipped = notices.filter((n) => n.startsWith('skipped '))
    expect(skipped.map((n) => n.split(':')[0].split('/').pop()).sort()).toEqual(['notes.png', 'truncated.png'])
    expect(notices.some((n) => n.startsWith('export: '))).toBe(false)
  })
})
