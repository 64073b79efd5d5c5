// Ratings import on synthetic raters with known Bradley–Terry strengths: validation errors, quality-control
// filters, win rates whose Wilson intervals cover the true rates, and the ranking recovered.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importRatings, parseRatingsFile, ratingReport, type RatingRecord } from '../../../src/trainer/rating/import'
import { manifestJson, type RatingManifest } from '../../../src/trainer/rating/manifest'

const methods = ['flowmo', 'jpeg', 'webp']
const truth: Record<string, number> = { flowmo: 3, jpeg: 0.6, webp: 1 }
const imageIds = Array.from({ length: 20 }, (_, i) => `img-${i}`)

const manifest: RatingManifest = {
  format: 'flowmo-rating-export', version: 1, exportId: 'e-1', createdAt: '2026-01-01T00:00:00Z', title: 't', imageSizePx: 32,
  metrics: { psnr: '', ssim: '' },
  methods: methods.map((id) => ({ id, label: id.toUpperCase(), bpp: 0.1, settings: {} })),
  images: imageIds.map((id) => ({ id, source: `${id}.png`, file: `originals/${id}.png`, sha256: '' })),
  entries: imageIds.flatMap((image, k) => methods.map((method, i) => ({ image, method, file: '', sha256: '', bpp: 0.1 * (i + 1) + (k % 2) * 0.02, psnr: 20, ssim: 0.5, settings: {} }))),
}

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

/** One rater's session: every pair on every image, left/right random; careless raters answer fast and at random. */
function session(seed: number, careless: boolean) {
  const next = rng(seed)
  const ratings: RatingRecord[] = []
  for (const image of imageIds) {
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const pair = [methods[i], methods[j]] as const
        const [left, right] = next() < 0.5 ? [pair[0], pair[1]] : [pair[1], pair[0]]
        const pLeft = careless ? 0.5 : truth[left] / (truth[left] + truth[right])
        const side = next() < pLeft ? 'left' : 'right'
        ratings.push({ trial: ratings.length, image, pair, left, right, side, choice: side === 'left' ? left : right, ms: careless ? 150 + 200 * next() : 600 + 3000 * next(), flips: careless ? 0 : 1 + Math.floor(3 * next()) })
      }
    }
  }
  return { format: 'flowmo-ratings', version: 1, exportId: 'e-1', sessionId: `s${seed}`, rater: careless ? 'fast' : `r${seed}`, ratings }
}

const parse = (o: object, name = 'r.json') => parseRatingsFile(JSON.stringify(o), name, manifest)

describe('ratingReport', () => {
  const careful = [1, 2, 3, 4, 5, 6].map((s) => parse(session(s, false), `r${s}.json`))
  const careless = [7, 8].map((s) => parse(session(s, true), `r${s}.json`))

  it('recovers the known ranking, and each win-rate interval covers the true rate', () => {
    const report = ratingReport([...careful, ...careless], manifest, { minMs: 500 })
    expect(report.methods.map((m) => m.id)).toEqual(['flowmo', 'webp', 'jpeg'])
    expect(report.methods.map((m) => m.rank)).toEqual([1, 2, 3])
    for (const m of report.methods) {
      const others = methods.filter((o) => o !== m.id)
      const trueRate = others.reduce((a, o) => a + truth[m.id] / (truth[m.id] + truth[o]), 0) / others.length
      expect(m.ci95[0]).toBeLessThanOrEqual(trueRate)
      expect(m.ci95[1]).toBeGreaterThanOrEqual(trueRate)
      expect(m.comparisons).toBe(6 * 20 * 2)
    }
    const fj = report.pairs.find((p) => p.a === 'flowmo' && p.b === 'jpeg')!
    expect(fj.aWins + fj.bWins).toBe(6 * 20)
    expect(Math.abs(fj.aWinRate! - 3 / 3.6)).toBeLessThan(0.1) // 3 standard errors at n = 120
    expect(report.methods[0].btStrength / report.methods[2].btStrength).toBeGreaterThan(3)
    expect(report.methods.map((m) => [m.id, +m.bpp.toFixed(6), m.nominalBpp])).toEqual([['flowmo', 0.11, 0.1], ['webp', 0.31, 0.1], ['jpeg', 0.21, 0.1]]) // actual mean vs stated
  })

  it('filters too-fast and never-flipped trials and counts them', () => {
    const fast = ratingReport([...careful, ...careless], manifest, { minMs: 500 })
    expect(fast.counts).toEqual({ total: 8 * 60, kept: 6 * 60, tooFast: 2 * 60, neverFlipped: 0 })
    const flip = ratingReport([...careful, ...careless], manifest, { requireFlip: true })
    expect(flip.counts).toEqual({ total: 8 * 60, kept: 6 * 60, tooFast: 0, neverFlipped: 2 * 60 })
    const none = ratingReport([...careful, ...careless], manifest)
    expect(none.counts.kept).toBe(8 * 60)
    expect(none.files.find((f) => f.rater === 'fast')!.kept).toBe(60)
    expect(fast.files.find((f) => f.rater === 'fast')!.kept).toBe(0)
  })

  it('counts a session read twice once', () => {
    const report = ratingReport([careful[0], careful[0]], manifest)
    expect(report.counts.total).toBe(60)
    expect(report.duplicateSessions).toEqual(['r1.json'])
  })
})

describe('parseRatingsFile', () => {
  it('names every invalid record', () => {
    const s = session(1, false)
    const bad = { ...s, ratings: [{ ...s.ratings[0], choice: s.ratings[0].left === 'jpeg' ? 'webp' : 'jpeg', side: 'left' }, { ...s.ratings[1], image: 'nope', ms: -1 }, { ...s.ratings[2], pair: ['jpeg', 'png'] }] }
    expect(() => parse(bad)).toThrow(/r.json: 4 invalid rating\(s\): ratings\[0\]: "choice" .* is not the method on the left; ratings\[1\]: unknown image "nope"; ratings\[1\]: "ms" must be a non-negative number, got -1; ratings\[2\]: "pair" must be two different methods/)
    expect(() => parse({ ...s, exportId: 'other' })).toThrow(/belong to export other, not to this export \(e-1\)/)
    expect(() => parse({ ratings: [] })).toThrow(/not a ratings file/)
    expect(() => parseRatingsFile('{', 'x.json', manifest)).toThrow(/^x.json: not valid JSON/)
  })
})

describe('importRatings', () => {
  it('reads the export manifest and ratings files from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratings-'))
    try {
      await writeFile(join(dir, 'manifest.json'), manifestJson(manifest))
      await writeFile(join(dir, 'r1.json'), JSON.stringify(session(1, false)))
      const report = await importRatings([join(dir, 'r1.json')], dir, { minMs: 500, requireFlip: true })
      expect(report.exportId).toBe('e-1')
      expect(report.counts.kept).toBe(60)
      expect(report.filter).toEqual({ minMs: 500, requireFlip: true })
      await expect(importRatings([], join(dir, 'missing'))).rejects.toThrow(/is not a finished rating export: cannot read manifest.json \(ENOENT\)/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
