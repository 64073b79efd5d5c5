// The per-image table's order: by any score, worst first by default (low PSNR/SSIM, high LPIPS are worse).
import { formatMetric, higherIsBetter } from '../../../../shared/metrics'
import type { EvalImageRow } from '../../../../shared/protocol'

export interface RowOrder {
  readonly by: string // a score name, e.g. 'psnr', or 'index' (folder order)
  readonly worstFirst: boolean
}

/** The rows in the given order; ties keep folder order. */
export function sortRows(rows: readonly EvalImageRow[], order: RowOrder): EvalImageRow[] {
  const key = (r: EvalImageRow): number => (order.by === 'index' ? r.index : (r.scores[order.by] ?? NaN))
  const ascending = order.by === 'index' ? !order.worstFirst : higherIsBetter(order.by) === order.worstFirst
  return [...rows].sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    const d = Number.isNaN(x) || Number.isNaN(y) ? Number(Number.isNaN(x)) - Number(Number.isNaN(y)) : x === y ? 0 : (x < y ? -1 : 1) * (ascending ? 1 : -1)
    return d || a.index - b.index
  })
}

/** The score columns of a report's rows, in the order the engine wrote them. */
export const scoreColumns = (rows: readonly EvalImageRow[]): string[] => Object.keys(rows[0]?.scores ?? {})

/** The registry's format (src/shared/metrics.ts); '—' where a row or report lacks the score. */
export const formatScore = (score: string, v: number | undefined): string => (v === undefined ? '—' : formatMetric(score, v))
