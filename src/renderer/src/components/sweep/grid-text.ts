// The sweep form's grid axes as typed text: "5, 10, 25" → [5, 10, 25] with a message naming the first bad value,
// checked against the same bounds as the engine's request schema (src/shared/payloads/jobs-schemas.ts).

export interface ListRule {
  readonly integer?: boolean
  readonly min: number
  readonly max: number
  readonly optional?: boolean // empty text = leave the axis to the model's config
}

export interface ParsedList {
  readonly values: number[]
  readonly error: string // '' when the text is valid
}

export const STEPS_RULE: ListRule = { integer: true, min: 1, max: 10_000 }
export const RHO_RULE: ListRule = { min: 0.05, max: 100 }
export const CFG_RULE: ListRule = { min: 0, max: 100, optional: true }
const MAX_VALUES = 64

/** Numbers separated by commas or spaces; each once, within the rule's bounds. */
export function parseNumberList(text: string, rule: ListRule): ParsedList {
  const tokens = text.split(/[,\s]+/).filter(Boolean)
  if (tokens.length === 0) return { values: [], error: rule.optional ? '' : 'give at least one value' }
  if (tokens.length > MAX_VALUES) return { values: [], error: `at most ${MAX_VALUES} values` }
  const values: number[] = []
  for (const token of tokens) {
    const v = Number(token)
    if (!Number.isFinite(v)) return { values: [], error: `"${token}" is not a number` }
    if (rule.integer && !Number.isInteger(v)) return { values: [], error: `${token} is not a whole number` }
    if (v < rule.min || v > rule.max) return { values: [], error: `${token} is outside ${rule.min}–${rule.max}` }
    if (values.includes(v)) return { values: [], error: `${token} is given twice` }
    values.push(v)
  }
  return { values, error: '' }
}

/** Which guidance intervals the sweep tries: the model's own, the σ interval, guidance at every step, or both. */
export type IntervalMode = 'model' | 'interval' | 'all' | 'both'

/** "0.17, 1.02" (EDM σ) → [0.17, 1.02]. */
export function parseSigmaInterval(text: string): { value: readonly [number, number] | null; error: string } {
  const parsed = parseNumberList(text, { min: 0, max: 1000 })
  if (parsed.error) return { value: null, error: parsed.error }
  const [lo, hi] = parsed.values
  if (parsed.values.length !== 2 || lo > hi) return { value: null, error: 'give σ lo, hi with lo ≤ hi, e.g. 0.17, 1.02' }
  return { value: [lo, hi], error: '' }
}

/** The request's interval axis for a mode; undefined leaves it to the model. */
export function intervalAxis(mode: IntervalMode, sigma: readonly [number, number] | null): ([number, number] | null)[] | undefined {
  const on = sigma ? ([sigma[0], sigma[1]] as [number, number]) : null
  if (mode === 'model') return undefined
  if (mode === 'all') return [null]
  return mode === 'interval' ? [on] : [on, null]
}
