// Ratings saved by the blind rating page, read back against the export's manifest: strict validation, tokens mapped
// back to methods, quality-control filters (too fast, never flipped), per-method win rates with Wilson intervals and
// a Bradley–Terry ranking (stats.ts).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseManifest, ratingsFormat, ratingsVersion, type ManifestEntry, type RatingManifest } from './manifest'
import { bradleyTerry, wilsonInterval } from './stats'

/** One decision, mapped back from the page's tokens to method ids through the manifest. */
export interface RatingRecord {
  readonly trial: number
  readonly image: string
  readonly pair: readonly [string, string] // method ids, in the page's order
  readonly left: string // method shown on the left
  readonly right: string
  readonly side: 'left' | 'right' // what the rater picked
  readonly choice: string // the method picked
  readonly ms: number // time on the trial
  readonly flips: number // flip-view changes on the trial
}

export interface RatingsFile {
  readonly source: string
  readonly exportId: string
  readonly sessionId: string
  readonly rater: string
  readonly ratings: readonly RatingRecord[]
}

export interface QualityFilter {
  readonly minMs?: number // drop trials decided faster than this, e.g. 500
  readonly requireFlip?: boolean // drop trials where the flip view was never used
}

/**
 * Parses one ratings file of the rating page, checks every record against the manifest (all problems in one error,
 * first 10) and maps its tokens back to methods. A file of another export, or with tokens this manifest lacks, is refused.
 */
export function parseRatingsFile(text: string, source: string, manifest: RatingManifest): RatingsFile {
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`)
  }
  if (raw?.format !== ratingsFormat || raw.version !== ratingsVersion) {
    throw new Error(`${source}: not a ratings file of a blind rating page (format ${ratingsFormat}, version ${ratingsVersion}; got ${JSON.stringify(raw?.format)})`)
  }
  if (raw.exportId !== manifest.exportId) {
    throw new Error(`${source}: these ratings were made on another export (export id ${String(raw.exportId)}), not on this one (${manifest.exportId}); import them with the export folder they came from`)
  }
  if (!Array.isArray(raw.ratings)) throw new Error(`${source}: "ratings" must be a list`)
  const tokens = new Map(manifest.entries.map((e) => [e.token, e]))
  const images = new Set(manifest.images.map((i) => i.id))
  const problems = raw.ratings.flatMap((r: unknown, i: number) => recordProblems(r, tokens, images).map((p) => `ratings[${i}]: ${p}`))
  if (problems.length > 0) throw new Error(`${source}: ${problems.length} invalid rating(s): ${problems.slice(0, 10).join('; ')}`)
  return {
    source, exportId: manifest.exportId, sessionId: String(raw.sessionId ?? source), rater: typeof raw.rater === 'string' ? raw.rater : '',
    ratings: (raw.ratings as Record<string, unknown>[]).map((r) => withMethods(r, tokens)),
  }
}

/** A validated record with each token replaced by the method it stands for. */
function withMethods(r: Record<string, unknown>, tokens: Map<string, ManifestEntry>): RatingRecord {
  const method = (token: unknown): string => tokens.get(token as string)!.method
  const [a, b] = r.pair as [string, string]
  return {
    trial: r.trial as number, image: r.image as string, pair: [method(a), method(b)], left: method(r.left), right: method(r.right),
    side: r.side as RatingRecord['side'], choice: method(r.choice), ms: r.ms as number, flips: r.flips as number,
  }
}

function recordProblems(v: unknown, tokens: Map<string, ManifestEntry>, images: Set<string>): string[] {
  if (typeof v !== 'object' || v === null) return ['not an object']
  const r = v as Record<string, unknown>
  const out: string[] = []
  if (!images.has(r.image as string)) out.push(`unknown image ${JSON.stringify(r.image)}`)
  const pair = r.pair as unknown[]
  const unknown = Array.isArray(pair) ? pair.filter((t) => !tokens.has(t as string)) : []
  if (!Array.isArray(pair) || pair.length !== 2 || pair[0] === pair[1]) out.push(`"pair" must be two different tokens, got ${JSON.stringify(r.pair)}`)
  else if (unknown.length > 0) out.push(`token(s) ${unknown.map((t) => JSON.stringify(t)).join(', ')} are not reconstructions of this export`)
  else if (images.has(r.image as string) && pair.some((t) => tokens.get(t as string)!.image !== r.image)) out.push(`"pair" holds reconstructions of another image than ${JSON.stringify(r.image)}`)
  else if (!((r.left === pair[0] && r.right === pair[1]) || (r.left === pair[1] && r.right === pair[0]))) out.push('"left"/"right" are not the two tokens of "pair"')
  if (r.side !== 'left' && r.side !== 'right') out.push(`"side" must be left or right, got ${JSON.stringify(r.side)}`)
  else if (r.choice !== r[r.side]) out.push(`"choice" ${JSON.stringify(r.choice)} is not the token on the ${r.side}`)
  if (typeof r.ms !== 'number' || !(r.ms >= 0)) out.push(`"ms" must be a non-negative number, got ${JSON.stringify(r.ms)}`)
  if (!Number.isInteger(r.flips) || (r.flips as number) < 0) out.push(`"flips" must be a non-negative integer, got ${JSON.stringify(r.flips)}`)
  return out
}

export interface MethodResult {
  readonly id: string
  readonly label: string
  readonly bpp: number // mean actual BPP over the export's reconstructions (codecs at their floor spend more than the target)
  readonly nominalBpp: number // the method's stated rate (codecs: the target)
  readonly wins: number
  readonly comparisons: number
  readonly winRate: number | null // null when never compared
  readonly ci95: readonly [number, number] // Wilson score interval
  readonly btScore: number // Bradley–Terry log-strength, mean 0
  readonly btStrength: number // Bradley–Terry strength, sum 1
  readonly rank: number // 1 = strongest by Bradley–Terry
}

export interface PairResult {
  readonly a: string
  readonly b: string
  readonly aWins: number
  readonly bWins: number
  readonly aWinRate: number | null
  readonly ci95: readonly [number, number] // for aWinRate
}

export interface RatingReport {
  readonly format: 'flowmo-rating-report'
  readonly version: 1
  readonly exportId: string
  readonly files: readonly { readonly source: string; readonly rater: string; readonly sessionId: string; readonly ratings: number; readonly kept: number }[]
  readonly duplicateSessions: readonly string[] // sources skipped because their session was already read
  readonly filter: { readonly minMs: number; readonly requireFlip: boolean }
  readonly counts: { readonly total: number; readonly kept: number; readonly tooFast: number; readonly neverFlipped: number }
  readonly methods: readonly MethodResult[] // by rank
  readonly pairs: readonly PairResult[]
  readonly bradleyTerry: { readonly model: string; readonly iterations: number; readonly converged: boolean; readonly logLikelihood: number; readonly pseudoWins: number }
}

const keep = (r: RatingRecord, f: Required<QualityFilter>): boolean => r.ms >= f.minMs && (!f.requireFlip || r.flips > 0)

/** Aggregates validated ratings files (sessions read twice count once). */
export function ratingReport(files: readonly RatingsFile[], manifest: RatingManifest, filter: QualityFilter = {}): RatingReport {
  const f = { minMs: filter.minMs ?? 0, requireFlip: filter.requireFlip ?? false }
  const firstOfSession = (file: RatingsFile, i: number): boolean => files.findIndex((o) => o.sessionId === file.sessionId) === i
  const used = files.filter(firstOfSession)
  const all = used.flatMap((file) => file.ratings)
  const kept = all.filter((r) => keep(r, f))
  const ids = manifest.methods.map((m) => m.id)
  const wins = ids.map(() => ids.map(() => 0)) // wins[i][j]: i chosen over j
  for (const r of kept) {
    const loser = r.choice === r.pair[0] ? r.pair[1] : r.pair[0]
    wins[ids.indexOf(r.choice)][ids.indexOf(loser)]++
  }
  const bt = bradleyTerry(wins)
  const order = ids.map((_, i) => i).sort((a, b) => bt.scores[b] - bt.scores[a])
  const methods = order.map((i, rank): MethodResult => {
    const won = wins[i].reduce((a, b) => a + b, 0)
    const n = won + wins.reduce((a, row) => a + row[i], 0)
    const m = manifest.methods[i]
    const entries = manifest.entries.filter((e) => e.method === m.id)
    const bpp = entries.length > 0 ? entries.reduce((a, e) => a + e.bpp, 0) / entries.length : m.bpp
    return {
      id: m.id, label: m.label, bpp, nominalBpp: m.bpp, wins: won, comparisons: n, winRate: n > 0 ? won / n : null,
      ci95: wilsonInterval(won, n), btScore: bt.scores[i], btStrength: bt.strengths[i], rank: rank + 1,
    }
  })
  const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b, k): PairResult => {
    const [aw, bw] = [wins[i][i + 1 + k], wins[i + 1 + k][i]]
    return { a, b, aWins: aw, bWins: bw, aWinRate: aw + bw > 0 ? aw / (aw + bw) : null, ci95: wilsonInterval(aw, aw + bw) }
  }))
  return {
    format: 'flowmo-rating-report', version: 1, exportId: manifest.exportId,
    files: used.map((file) => ({ source: file.source, rater: file.rater, sessionId: file.sessionId, ratings: file.ratings.length, kept: file.ratings.filter((r) => keep(r, f)).length })),
    duplicateSessions: files.filter((file, i) => !firstOfSession(file, i)).map((file) => file.source),
    filter: f,
    counts: { total: all.length, kept: kept.length, tooFast: all.filter((r) => r.ms < f.minMs).length, neverFlipped: all.filter((r) => f.requireFlip && r.flips === 0).length },
    methods, pairs,
    bradleyTerry: { model: 'Bradley–Terry, MM algorithm (Hunter 2004)', iterations: bt.iterations, converged: bt.converged, logLikelihood: bt.logLikelihood, pseudoWins: bt.pseudoWins },
  }
}

/** Reads `<exportDir>/manifest.json` and the ratings files, and aggregates them. */
export async function importRatings(ratingPaths: readonly string[], exportDir: string, filter: QualityFilter = {}): Promise<RatingReport> {
  const manifestPath = join(exportDir, 'manifest.json')
  const text = await readFile(manifestPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${exportDir} is not a finished rating export: cannot read manifest.json (${e.code ?? e.message})`)
  })
  const manifest = parseManifest(text, manifestPath)
  const files: RatingsFile[] = []
  for (const p of ratingPaths) files.push(parseRatingsFile(await readFile(p, 'utf8'), p, manifest))
  return ratingReport(files, manifest, filter)
}
