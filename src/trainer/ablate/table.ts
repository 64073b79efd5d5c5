// The ablation table: one row per variant with its eval metrics and their differences from the baseline
// (`table.json`), and the same in the paper's layout with the protocol card (`table.md`).
import { formatMetric, higherIsBetter, metricLabel, paperColumns } from '../../shared/metrics'
import type { EvalReport } from '../eval/report'
import type { AblationSetup, RowPlan } from './plan'
import { BASELINE_TOGGLES, toggleDiff, type AblationToggles, type Variant } from './variants'

export const TABLE_FORMAT = 'flowmo-ablation/1'

export interface AblationRow {
  readonly id: string
  readonly label: string
  readonly table: Variant['table']
  readonly changed: readonly (keyof AblationToggles)[] // the toggle(s) that differ from the baseline
  readonly toggles: AblationToggles
  readonly run: string // the run folder that trained it (Stage 1B: the post-training run)
  readonly checkpoint: string
  readonly sampling: RowPlan['sampling']
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_<net>, fid | fid_proxy, kid | kid_proxy
  readonly deltas: Readonly<Record<string, number>> // metric − baseline's
  readonly unavailable: Readonly<Record<string, string>>
  readonly trainSeconds: number | null // Stage-1A (+ 1B) wall time from the runs' metrics
  readonly engine: string // what trained it: onnxruntime | tfjs (Stage 1B: "<1A engine> + tfjs")
}

export interface AblationTable {
  readonly format: typeof TABLE_FORMAT
  readonly setup: AblationSetup
  readonly protocol: EvalReport['protocol'] // the baseline's eval card; rows differ only in its sampler where the row says so
  readonly evalWeights: 'raw' // short runs: the EMA (rate 0.9999) has barely moved
  readonly rows: readonly AblationRow[]
}

export interface RowResult {
  readonly plan: RowPlan
  readonly checkpoint: string
  readonly report: EvalReport
  readonly trainSeconds: number | null
}

export function buildTable(setup: AblationSetup, results: readonly RowResult[]): AblationTable {
  const base = results.find((r) => r.plan.variant.id === 'baseline') ?? results[0]
  const rows = results.map(({ plan, checkpoint, report, trainSeconds }): AblationRow => ({
    id: plan.variant.id, label: plan.variant.label, table: plan.variant.table,
    changed: toggleDiff(BASELINE_TOGGLES, plan.variant.toggles), toggles: plan.variant.toggles,
    run: (plan.train1b ?? plan.train1a).options.out, checkpoint, sampling: plan.sampling,
    metrics: report.metrics,
    deltas: Object.fromEntries(Object.entries(report.metrics).filter(([k]) => k in base.report.metrics).map(([k, v]) => [k, v - base.report.metrics[k]])),
    unavailable: report.unavailable, trainSeconds,
    engine: [plan.train1a, plan.train1b].filter((r) => r !== null).map((r) => r.options.engine).join(' + '),
  }))
  return { format: TABLE_FORMAT, setup, protocol: base.report.protocol, evalWeights: 'raw', rows }
}

/** 'rFID ↓', 'PSNR ↑': the metric's name (src/shared/metrics.ts) and which way is better. */
const columnTitle = (key: string): string => `${metricLabel(key)} ${higherIsBetter(key) ? '↑' : '↓'}`

function columns(t: AblationTable): { key: string; title: string }[] {
  return paperColumns((k) => t.rows.some((r) => k in r.metrics)).map((key) => ({ key, title: columnTitle(key) }))
}

function cell(r: AblationRow, key: string): string {
  const v = r.metrics[key]
  if (v === undefined) return '—'
  if (r.id === 'baseline' || r.deltas[key] === undefined) return formatMetric(key, v)
  const d = r.deltas[key]
  return `${formatMetric(key, v)} (${d >= 0 ? '+' : '−'}${formatMetric(key, Math.abs(d))})`
}

export function tableMarkdown(t: AblationTable): string {
  const cols = columns(t)
  const s = t.setup
  const lines = [
    `# Ablations: ${s.preset}, ${s.maxSteps} Stage-1A steps per row`, '',
    'Differences from the baseline in parentheses. Rows that change only the sampler reuse the baseline\'s run.', '',
  ]
  for (const table of ['Table 4', 'Table 5', 'Table 3'] as const) {
    const rows = t.rows.filter((r) => r.table === table || (table !== 'Table 4' && r.id === 'baseline'))
    if (rows.length <= (table === 'Table 4' ? 0 : 1)) continue
    lines.push(`## ${table}`, '', `| Model | ${cols.map((c) => c.title).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`)
    for (const r of rows) lines.push(`| ${r.label} | ${cols.map((c) => cell(r, c.key)).join(' | ')} |`)
    lines.push('')
  }
  const p = t.protocol
  lines.push('## Protocol', '',
    `- data: train ${s.data}, eval the first ${p.dataset.nImages} images of ${s.val} (listing sha256 ${p.dataset.sha256.slice(0, 16)}…), ${p.resolutionPx} px`,
    `- training: preset ${s.preset}, ${s.maxSteps} Stage-1A steps, batch ${s.batchSize}, seed ${s.seed} (same init, data order and noise draws for every row), perceptual ${s.perceptual}; Stage 1B: ${s.stage1bSteps} steps from the baseline`,
    `- training engine per row: ${t.rows.map((r) => `${r.id} ${r.engine}`).join(', ')}`,
    `- eval: ${t.evalWeights} weights, sampler ${s.sampleSteps} steps, ρ 4, CFG 1.5 in σ ∈ (.17, 1.02) unless the row turns it off; noise seeded per image index (seed ${p.sampler.seed})`,
    `- PSNR ${p.psnr.convention}, uint8 ${p.quantise}; SSIM ${p.ssim.variant}; inference ${p.inference.path} (${p.backend})`,
    ...Object.entries(t.rows[0]?.unavailable ?? {}).map(([k, why]) => `- ${k}: unavailable. ${why}`),
    '')
  return lines.join('\n')
}
