// Human eval, import half: ratings files saved by an export's rating page, read back against its manifest with
// quality-control filters (engine: src/trainer/rating/import.ts via `importRatings`), and the last report.
import type { ImportRatingsRequest } from '../../../../shared/payloads/jobs'
import { engine } from '../engine'
import { jobs } from './jobs.svelte'
import { jobError, ratingExport } from './rating.svelte'

export const importJobLabel = 'rating-import'

type Interval = readonly [lo: number, hi: number]

/** RatingReport of src/trainer/rating/import.ts, as far as the view reads it. */
export interface RatingReportView {
  readonly files: readonly { readonly source: string; readonly rater: string; readonly sessionId: string; readonly ratings: number; readonly kept: number }[]
  readonly duplicateSessions: readonly string[]
  readonly filter: { readonly minMs: number; readonly requireFlip: boolean }
  readonly counts: { readonly total: number; readonly kept: number; readonly tooFast: number; readonly neverFlipped: number }
  readonly methods: readonly MethodResultView[] // by rank
  readonly pairs: readonly PairResultView[]
  readonly bradleyTerry: { readonly model: string; readonly iterations: number; readonly converged: boolean; readonly pseudoWins: number }
}

export interface MethodResultView {
  readonly id: string
  readonly label: string
  readonly bpp: number // mean actual
  readonly nominalBpp: number
  readonly wins: number
  readonly comparisons: number
  readonly winRate: number | null
  readonly ci95: Interval // Wilson
  readonly btScore: number // log-strength, mean 0
  readonly btStrength: number // sums to 1
  readonly rank: number
}

export interface PairResultView {
  readonly a: string
  readonly b: string
  readonly aWins: number
  readonly bWins: number
  readonly aWinRate: number | null
  readonly ci95: Interval
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean)

export class RatingImportState {
  private exportDirEdited = $state<string | null>(null) // untouched: the folder of the last export
  ratings = $state('') // ratings JSON files, one per line
  minMs = $state<number | null | undefined>(0) // drop trials decided faster than this
  requireFlip = $state(false) // drop trials that never used the flip view
  out = $state('') // optional: write the report JSON here
  error = $state('')
  report = $state.raw<RatingReportView | null>(null)

  get exportDir(): string {
    return this.exportDirEdited ?? ratingExport.lastOut
  }
  set exportDir(path: string) {
    this.exportDirEdited = path
  }

  get problem(): string | null {
    if (!this.exportDir.trim()) return 'Choose the export folder (the one holding manifest.json).'
    if (lines(this.ratings).length === 0) return 'Choose one or more ratings files saved by the rating page.'
    return null
  }

  get running(): boolean {
    return jobs.isRunning(importJobLabel)
  }

  request(): ImportRatingsRequest {
    const minMs = typeof this.minMs === 'number' && this.minMs > 0 ? this.minMs : 0
    return {
      exportDir: this.exportDir.trim(), ratings: lines(this.ratings), minMs, requireFlip: this.requireFlip,
      ...(this.out.trim() ? { out: this.out.trim() } : {}),
    }
  }

  async start(): Promise<void> {
    if (this.problem || this.running) return
    this.error = ''
    try {
      this.report = await jobs.run<RatingReportView>(importJobLabel, () => engine.importRatings(this.request()))
    } catch (e) {
      this.error = jobError(e)
      this.report = null
    }
  }
}

export const ratingImport = new RatingImportState()
