// metrics/reference-stats-cache.ts with the tiny same-layout FID InceptionV3 from .pth files: exact round trip with a
// readable key header, a hit on the second lookup, damaged and foreign files ignored with a notice, the weight file's
// hash in the key, atomic writes, a cache folder that cannot be written, and the default folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FeatureExtractor } from '../../../src/trainer/metrics/inception-features'
import { openInceptionFeatures } from '../../../src/trainer/metrics/inception-features'
import { decodeZip } from '../../../src/trainer/metrics/npz'
import {
  cachedReference, defaultStatsCacheDir, lookupReference, referenceFile, referenceFromRows, referenceKeyHash, saveReference, storeReference,
  type ReferenceKey,
} from '../../../src/trainer/metrics/reference-stats-cache'
import { Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { weightFiles } from '../../../src/trainer/nets/weight-files'
import { fixtureImages, netsReference as ref, writeNetPth } from '../../fixtures/nets/fixture-weights'
import { useBackend } from '../nets/backends'

const work = mkdtempSync(join(tmpdir(), 'flowmo-reference-cache-'))
const n = 4
const images = { layout: 'nchw-f32-signed', data: fixtureImages(11, [n, 3, 32, 32], -1, 1), shape: [n, 3, 32, 32] } as const
let inception: FeatureExtractor
let rows: Float32Array

/** The tiny InceptionV3 (1/16 width, 75 px) from a .pth written into `dir`; `extra` adds unused entries (another file hash). */
async function tinyInception(dir: string, extra = false): Promise<FeatureExtractor> {
  const c = ref.inception
  const p = Params.root()
  new FIDInceptionV3(p, c.widthDivisor, c.inputPx)
  await writeNetPth(join(dir, weightFiles.inception.fileName), p.all(), extra ? [{ name: 'fc.bias', shape: [3] }] : [])
  return openInceptionFeatures({ weightsDir: dir, verifyHash: false, widthDivisor: c.widthDivisor, inputPx: c.inputPx })
}

const keyFor = (network: FeatureExtractor, datasetSha = 'ab'.repeat(32)): ReferenceKey => ({
  metricsVersion: '1', dataset: { sha256: datasetSha, hashMethod: 'listing', nImages: n }, resolutionPx: 32,
  resize: 'resize-shorter-bilinear-antialias+center-crop', network: network.network, backend: 'tfjs-cpu',
})

const freshDir = (name: string): string => mkdtempSync(join(work, `${name}-`))

beforeAll(async () => {
  await useBackend('cpu')
  inception = await tinyInception(freshDir('weights'))
  rows = await inception.features(images)
})
afterAll(() => {
  inception.dispose()
  rmSync(work, { recursive: true, force: true })
})

describe('reference statistics cache', () => {
  it('computes once, then reads the rows and statistics back exactly, with the key readable in the file', async () => {
    const cacheDir = freshDir('cache')
    const key = keyFor(inception)
    let computed = 0
    const compute = async () => (computed++, inception.features(images))
    const notices: string[] = []
    const first = await cachedReference(key, compute, { cacheDir, onNotice: (l) => notices.push(l) })
    const second = await cachedReference(key, compute, { cacheDir, onNotice: (l) => notices.push(l) })
    expect(computed).toBe(1)
    expect(first.use).toEqual({ cached: false, key: referenceKeyHash(key), file: referenceFile(cacheDir, key) })
    expect(second.use).toEqual({ ...first.use, cached: true })
    expect(notices).toEqual([`reference statistics: computed, cached as ${first.use.file}`, `reference statistics: read from the cache, ${first.use.file}`])
    expect(second.reference.rows).toEqual(rows)
    expect(second.reference.stats).toEqual(first.reference.stats)
    expect(second.reference.stats.d).toBe(inception.featureDim)
    const header = JSON.parse(Buffer.from(decodeZip(readFileSync(first.use.file!)).get('key.json')!).toString('utf8'))
    expect(header).toMatchObject({ keyHash: referenceKeyHash(key), key, n, d: inception.featureDim })
    expect(readdirSync(cacheDir)).toEqual([`${referenceKeyHash(key)}.npz`]) // no temp file left behind
  })

  it('keys on the weight file hash: the same network from another file is another entry', async () => {
    const other = await tinyInception(freshDir('weights-fc'), true)
    expect(other.network.sha256).not.toBe(inception.network.sha256)
    expect(referenceKeyHash(keyFor(other))).not.toBe(referenceKeyHash(keyFor(inception)))
    const cacheDir = freshDir('cache')
    await saveReference(keyFor(inception), referenceFromRows(rows, n, inception.featureDim), cacheDir)
    expect(await lookupReference(keyFor(other), { cacheDir })).toBeNull()
    expect(await lookupReference(keyFor(inception), { cacheDir })).not.toBeNull()
    other.dispose()
  })

  it('ignores a damaged file with a notice, recomputes and rewrites it', async () => {
    const cacheDir = freshDir('cache')
    const key = keyFor(inception)
    const file = await saveReference(key, referenceFromRows(rows, n, inception.featureDim), cacheDir)
    const bytes = readFileSync(file)
    bytes[bytes.length - 300] ^= 0xff // the last feature values (the central directory and end record take the last 241 bytes)
    writeFileSync(file, bytes)
    const notices: string[] = []
    const again = await cachedReference(key, () => inception.features(images), { cacheDir, onNotice: (l) => notices.push(l) })
    expect(again.use.cached).toBe(false)
    expect(notices[0]).toBe(`reference statistics: ignoring ${file}: zip entry features.npy is corrupt (size or CRC); recomputing`)
    expect(again.use.file).toBe(file)
    expect((await lookupReference(key, { cacheDir }))?.reference.rows).toEqual(rows) // rewritten whole
  })

  it('ignores a file written for another key, naming the fields that differ', async () => {
    const cacheDir = freshDir('cache')
    const key = keyFor(inception)
    const otherKey = { ...key, resolutionPx: 64 }
    const otherFile = await saveReference(otherKey, referenceFromRows(rows, n, inception.featureDim), cacheDir)
    writeFileSync(referenceFile(cacheDir, key), readFileSync(otherFile)) // e.g. copied over by hand
    const notices: string[] = []
    expect(await lookupReference(key, { cacheDir, onNotice: (l) => notices.push(l) })).toBeNull()
    expect(notices[0]).toMatch(/written for another key \(resolutionPx differ\); recomputing$/)
    writeFileSync(referenceFile(cacheDir, key), 'not a zip')
    expect(await lookupReference(key, { cacheDir, onNotice: (l) => notices.push(l) })).toBeNull()
    expect(notices[1]).toMatch(/not a zip file/)
  })

  it('computes without storing when the cache is off or cannot be written', async () => {
    const reference = referenceFromRows(rows, n, inception.featureDim)
    expect(await storeReference(keyFor(inception), reference, { cacheDir: null })).toEqual({ cached: false, key: referenceKeyHash(keyFor(inception)), file: null })
    const blocked = join(work, 'a-file')
    writeFileSync(blocked, '')
    const notices: string[] = []
    const use = await storeReference(keyFor(inception), reference, { cacheDir: blocked, onNotice: (l) => notices.push(l) })
    expect(use.file).toBeNull()
    expect(notices[0]).toMatch(/^reference statistics: computed; could not cache them in .*a-file/)
  })

  it('keeps its files in $FLOWMO_CACHE_DIR/fid-stats, else under XDG_CACHE_HOME or ~/.cache', () => {
    const saved = { cache: process.env.FLOWMO_CACHE_DIR, xdg: process.env.XDG_CACHE_HOME }
    process.env.FLOWMO_CACHE_DIR = '/tmp/flowmo-cache'
    expect(defaultStatsCacheDir()).toBe('/tmp/flowmo-cache/fid-stats')
    delete process.env.FLOWMO_CACHE_DIR
    process.env.XDG_CACHE_HOME = '/tmp/xdg'
    expect(defaultStatsCacheDir()).toBe('/tmp/xdg/flowmo/fid-stats')
    delete process.env.XDG_CACHE_HOME
    expect(defaultStatsCacheDir()).toMatch(/\.cache\/flowmo\/fid-stats$/)
    if (saved.cache !== undefined) process.env.FLOWMO_CACHE_DIR = saved.cache
    if (saved.xdg !== undefined) process.env.XDG_CACHE_HOME = saved.xdg
  })
})
