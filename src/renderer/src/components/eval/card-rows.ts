// Both reports' protocol cards as one row per field (dotted path), flagged where the engine's diff found a difference.
import type { EvalReportDiff } from '../../../../shared/protocol'

export interface CardRow {
  readonly field: string
  readonly a: unknown
  readonly b: unknown
  readonly differs: boolean
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (!isRecord(value)) return void out.set(prefix, value)
  for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out)
}

/** Every field of either card, A's order first; a field the engine reported as differing is flagged (and shown whole). */
export function cardRows(diff: EvalReportDiff): CardRow[] {
  const [a, b] = [new Map<string, unknown>(), new Map<string, unknown>()]
  leaves(diff.a.report.protocol, '', a)
  leaves(diff.b.report.protocol, '', b)
  const differing = new Map(diff.differences.map((d) => [d.field, d]))
  const under = (field: string) => [...differing.keys()].find((d) => field === d || field.startsWith(`${d}.`))
  const rows: CardRow[] = []
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const d = under(field)
    if (d === undefined) rows.push({ field, a: a.get(field), b: b.get(field), differs: false })
    else if (!rows.some((r) => r.field === d)) rows.push({ field: d, a: differing.get(d)!.a, b: differing.get(d)!.b, differs: true })
  }
  return rows
}
