// Tolerances for an fp32 port against the golden sets, from ../shared/golden/README.md §5 (≈10× the observed fp32 noise).
export type Measure = 'exact' | 'abs' | 'rel' // exact: identical; abs: max|Δ|; rel: max|Δ| / max|ref|

export interface Tolerance {
  measure: Measure
  limit: number
}

const RULES: [RegExp, Tolerance][] = [
  [/^(enc_code|dec_code_in|lfq_indices|sample_nfe|sample_cfg_applied)$/, { measure: 'exact', limit: 0 }],
  [/^(sample_steps_ts|sample_steps_dts|ts_1b|dts_1b)$/, { measure: 'abs', limit: 1e-7 }],
  [/^t_emb$/, { measure: 'abs', limit: 1e-6 }],
  [/^(enc_code_pre|dbg\/.*)$/, { measure: 'abs', limit: 1e-5 }],
  [/^(v|v_null|sample_traj|sample_final|sample_final_clipped|x_t)$/, { measure: 'abs', limit: 2e-5 }],
  [/^chain_out$/, { measure: 'abs', limit: 1e-4 }],
  [/^(lfq_.*|flow_loss|total_loss|loss_1b)$/, { measure: 'rel', limit: 1e-5 }],
  [/^grad\//, { measure: 'rel', limit: 1e-4 }],
  [/^grad1b\//, { measure: 'rel', limit: 3e-4 }],
  [/^weightnorm\//, { measure: 'rel', limit: 1e-6 }],
]

export function toleranceFor(tensor: string): Tolerance {
  const rule = RULES.find(([re]) => re.test(tensor))
  if (!rule) throw new Error(`no tolerance defined for golden tensor ${tensor}`)
  return rule[1]
}

export interface CheckRow {
  tensor: string // io.safetensors name
  maxAbs: number
  maxRef: number
  rel: number // maxAbs / maxRef
  tolerance: Tolerance
  ok: boolean
  note?: string
}

/** max|Δ| and max|Δ|/max|ref| of two arrays, judged by the golden tolerance of `tensor` unless one is given. */
export function compareArrays(tensor: string, actual: ArrayLike<number>, ref: ArrayLike<number>, tolerance = toleranceFor(tensor)): CheckRow {
  if (actual.length !== ref.length) {
    return { tensor, maxAbs: Infinity, maxRef: 0, rel: Infinity, tolerance, ok: false, note: `length ${actual.length} ≠ ${ref.length}` }
  }
  let maxAbs = 0
  let maxRef = 0
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(actual[i] - ref[i])
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d)
    maxRef = Math.max(maxRef, Math.abs(ref[i]))
  }
  const rel = maxRef > 0 ? maxAbs / maxRef : maxAbs
  const value = tolerance.measure === 'rel' ? rel : maxAbs
  return { tensor, maxAbs, maxRef, rel, tolerance, ok: value <= tolerance.limit }
}
