import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SkippedFile } from '../../../src/trainer/data/dataset'
import { loadImageTensor } from '../../../src/trainer/data/images'
import { BatchLoader, type Batch, type BatchLoaderConfig } from '../../../src/trainer/data/loader'
import { PHOTOS } from '../../fixtures/photos'

const VAL = join(PHOTOS, 'val-64')
const S = 32
const tmp = mkdtempSync(join(tmpdir(), 'flowmo-loader-'))
// 64×40 strips of real photos: resized to 51×32, so a random 32px crop has 20 horizontal offsets
// (a square photo resized to S leaves T.RandomCrop nothing to choose, as in the reference)
const names = readdirSync(VAL).sort().slice(0, 10)
const paths = names.map((f) => join(tmp, f))
beforeAll(() => Promise.all(names.map((f, i) => sharp(join(VAL, f)).extract({ left: 0, top: 12, width: 64, height: 40 }).toFile(paths[i]))))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const train = (over: Partial<BatchLoaderConfig> = {}): BatchLoader =>
  new BatchLoader({ paths, imageSizePx: S, batchSize: 4, seed: 1, split: 'train', ...over })

async function take(loader: BatchLoader, n: number): Promise<Batch[]> {
  const out: Batch[] = []
  for (let i = 0; i < n; i++) out.push((await loader.next())!)
  return out
}

describe('BatchLoader (train)', () => {
  it('same seed → same order and crops; different seed → different', async () => {
    const [a, b, c] = await Promise.all([take(train(), 3), take(train({ prefetch: 1 }), 3), take(train({ seed: 2 }), 3)])
    expect(b.map((x) => x.paths)).toEqual(a.map((x) => x.paths))
    expect(b.map((x) => x.x)).toEqual(a.map((x) => x.x))
    expect(c.map((x) => x.paths)).not.toEqual(a.map((x) => x.paths))
    expect(a[0].shape).toEqual([4, 3, S, S])
  })

  it('visits every image once per epoch, reshuffled between epochs', async () => {
    const batches = await take(train({ batchSize: 5 }), 4) // 2 epochs of 10
    const epoch0 = [...batches[0].paths, ...batches[1].paths]
    const epoch1 = [...batches[2].paths, ...batches[3].paths]
    expect([...epoch0].sort()).toEqual(paths)
    expect([...epoch1].sort()).toEqual(paths)
    expect(epoch1).not.toEqual(epoch0)
  })

  it('draws random crops that vary with the epoch', async () => {
    const epochs = await take(train({ batchSize: 10 }), 2)
    const cropOf = (b: Batch, p: string) => Array.from(b.x.subarray(b.paths.indexOf(p) * 3 * S * S, (b.paths.indexOf(p) + 1) * 3 * S * S))
    const centres = await Promise.all(paths.map((p) => loadImageTensor(p, S, 'center')))
    const offCentre = paths.filter((p, i) => cropOf(epochs[0], p).some((v, j) => v !== centres[i][j]))
    const moved = paths.filter((p) => cropOf(epochs[0], p).some((v, j) => v !== cropOf(epochs[1], p)[j]))
    expect(offCentre.length).toBeGreaterThan(5)
    expect(moved.length).toBeGreaterThan(5)
  })

  it('resumes from state() with exactly the stream it would have produced', async () => {
    const full = await take(train(), 5)
    const first = train()
    await take(first, 2)
    const resumed = train({ resume: first.state() })
    expect(await take(resumed, 3)).toEqual(full.slice(2))
    expect(() => train({ seed: 3, resume: first.state() })).toThrow(/cannot resume/)
  })

  it('skips a file deleted mid-run, reports it once, and keeps batches full', async () => {
    const dir = mkdtempSync(join(tmp, 'gone-'))
    const copies = paths.slice(0, 6).map((_, i) => join(dir, `${i}.png`))
    copies.forEach((c, i) => copyFileSync(paths[i], c))
    const skipped: SkippedFile[] = []
    const loader = new BatchLoader({ paths: copies, imageSizePx: S, batchSize: 4, seed: 1, split: 'train', prefetch: 1, onSkip: (s) => skipped.push(s) })
    await loader.next() // the prefetched next batch may already hold the file; later ones cannot
    rmSync(copies[2])
    const later = await take(loader, 6)
    for (const b of later.slice(1)) {
      expect(b.shape[0]).toBe(4)
      expect(b.paths).not.toContain(copies[2])
    }
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toMatchObject({ path: copies[2], reason: 'corrupt or truncated' })
  })

  it('fails clearly when every image has disappeared', async () => {
    const loader = new BatchLoader({ paths: [join(tmp, 'missing.png')], imageSizePx: S, batchSize: 2, seed: 1, split: 'train' })
    await expect(loader.next()).rejects.toThrow(/failed at load time/)
  })
})

describe('BatchLoader (val)', () => {
  it('one pass in folder order with centre crops and a short last batch', async () => {
    const loader = new BatchLoader({ paths, imageSizePx: S, batchSize: 4, seed: 1, split: 'val' })
    const batches: Batch[] = []
    for await (const b of loader) batches.push(b)
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 2])
    expect(batches.flatMap((b) => b.paths)).toEqual(paths)
    expect(batches[2].x.subarray(3 * S * S)).toEqual(await loadImageTensor(paths[9], S, 'center'))
    expect(await loader.next()).toBeNull()
  })
})

describe('BatchLoader (train, augmented)', () => {
  it('augmented batches are seeded like plain ones but differ from them', async () => {
    const aug = { minScale: 0.5, flip: true }
    const [a, b, plain] = await Promise.all([take(train({ augment: aug }), 2), take(train({ augment: aug }), 2), take(train(), 2)])
    expect(b.map((x) => x.x)).toEqual(a.map((x) => x.x))
    expect(a.map((x) => x.paths)).toEqual(plain.map((x) => x.paths)) // the same order: only the crops change
    expect(a[0].x).not.toEqual(plain[0].x)
    expect(a[0].shape).toEqual([4, 3, S, S])
  })
})
