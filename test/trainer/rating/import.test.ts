// Ratings import on synthetic raters with known Bradley–Terry strengths, who see only tokens: tokens mapped back to
// methods, validation errors (foreign export, unknown or misplaced tokens), quality-control filters, win rates whose
// Wilson intervals cover the true rates, and the ranking recovered.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importRatings, parseRatingsFile, ratingReport } from '../../../src/trainer/rating/import'
import { manifestJson, ratingsFormat, ratingsVersion, type RatingManifest } from '../../../src/trainer/rating/manifest'

const methods = ['flowmo', 'jpeg', 'webp']
const truth: Record<string, number> = { flowmo: 3, jpeg: 0.6, webp: 1 }
const imageIds = Array.from({ length: 20 }, (_, i) => `img-${i}`)
const token = (image: string, method: string): string => `t${imageIds.indexOf(image)}x${methods.indexOf(method)}` // opaque on the page

const manifest: RatingManifest = {
  format: 'flowmo-rating-export', version: 2, exportId: 'e-1', createdAt: '2026-01-01T00:00:00Z', title: 't', imageSizePx: 32,
  metrics: { psnr: '', ssim: '' },
  methods: methods.map((id) => ({ id, label: id.toUpperCase(), bpp: 0.1, settings: {} })),
  images: imageIds.map((id) => ({ id, source: `${id}.png`, file: `originals/${id}.png`, token: `o-${id}`, sha256: '' })),
  entries: imageIds.flatMap((image, k) => methods.map((method, i) => ({ image, method, file: '', token: token(image, method), sha256: '', bpp: 0.1 * (i + 1) + (k % 2) * 0.02, psnr: 20, ssim: 0.5, settings: {} }))),
}

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

/** One rater's session: every pair on every image, left/right random; careless raters answer fast and at random. */
function session(seed: number, careless: boolean) {
  const next = rng(seed)
  const ratings: { image: string; pair: string[]; left: string; right: string; side: string; choice: string; ms: number; flips: number }[] = []
  for (const image of imageIds) {
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const pair = [methods[i], methods[j]] as const
        const [left, right] = next() < 0.5 ? [pair[0], pair[1]] : [pair[1], pair[0]]
        const pLeft = careless ? 0.5 : truth[left] / (truth[left] + truth[right])
        const side = next() < pLeft ? 'left' : 'right'
        const t = (m: string) => token(image, m)
        ratings.push({ image, pair: pair.map(t), left: t(left), right: t(right), side, choice: t(side === 'left' ? left : right), ms: careless ? 150 + 200 * next() : 600 + 3000 * next(), flips: careless ? 0 : 1 + Math.floor(3 * next()) })
      }
    }
  }
  return { format: ratingsFormat, version: ratingsVersion, exportId: 'e-1', sessionId: `s${seed}`, rater: careless ? 'fast' : `r${seed}`, ratings: ratings.map((r, trial) => ({ trial, ...r })) }
}

const methodOf = (t: string): string => methods[Number(t.split('x')[1])]
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
  it('maps every token back to its method', () => {
    const s = session(1, false)
    const parsed = parse(s)
    expect(parsed.ratings.length).toBe(60)
    parsed.ratings.forEach((r, i) => {
      const raw = s.ratings[i]
      expect([r.pair, r.left, r.choice]).toEqual([raw.pair, raw.left, raw.choice].map((x) => (Array.isArray(x) ? x.map(methodOf) : methodOf(x))))
    })
  })

  it('names every invalid record: unknown, misplaced or inconsistent tokens', () => {
    const s = session(1, false)
    const [r0, r1, r2, r3] = s.ratings
    const other = r0.pair.find((t) => t !== r0.left)!
    const bad = { ...s, ratings: [{ ...r0, choice: other, side: 'left' }, { ...r1, image: 'nope', ms: -1 }, { ...r2, pair: [r2.pair[0], 'forged'] }, { ...r3, image: 'img-5' }] }
    expect(() => parse(bad)).toThrow(
      /r.json: 5 invalid rating\(s\): ratings\[0\]: "choice" .* is not the token on the left; ratings\[1\]: unknown image "nope"; ratings\[1\]: "ms" must be a non-negative number, got -1; ratings\[2\]: token\(s\) "forged" are not reconstructions of this export; ratings\[3\]: "pair" holds reconstructions of another image than "img-5"/,
    )
    expect(() => parse({ ...s, ratings: [{ ...r0, pair: [manifest.images[0].token, r0.pair[1]] }] })).toThrow(/token\(s\) "o-img-0" are not reconstructions of this export/) // an original is not a candidate
  })

  it('refuses a file of another export, an older or foreign format, and broken JSON', () => {
    const s = session(1, false)
    expect(() => parse({ ...s, exportId: 'other' })).toThrow(/r.json: these ratings were made on another export \(export id other\), not on this one \(e-1\); import them with the export folder they came from/)
    expect(() => parse({ ...s, format: 'flowmo-ratings', version: 1 })).toThrow(/not a ratings file of a blind rating page .*got "flowmo-ratings"/)
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
