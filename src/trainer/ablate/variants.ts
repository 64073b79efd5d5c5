// The paper's ablations as named variants (Table 4: Stage-1A design choices; Table 5: Stage 1B; Table 3: the
// continuous latent with noise sync). A variant is the baseline's toggles with exactly one changed.
import type { QuantizerKind } from '../model/configs'
import type { TimeDistribution } from '../losses/rectified-flow'

/** FlowMo's design choices that the ablations change, one field per toggle. */
export interface AblationToggles {
  readonly patchScale: number // 1: the preset's patch size; 2: doubled
  readonly encoder: 'end-to-end' | 'mse-then-frozen' // MSE regression for half the steps, then frozen
  readonly perceptualWeight: number // λ_perc of Stage 1A (0.1); 0: no perceptual loss
  readonly quantizer: QuantizerKind // lfq; fsq at the same bits; continuous (LayerNorm latent + noise sync)
  readonly timeDistribution: TimeDistribution // fat_lognormal (thick-tailed); lognormal
  readonly samplerRho: number // 4: the shifted sampler; 1: unshifted
  readonly guidance: boolean // CFG 1.5 in σ ∈ (.17, 1.02); false: none
  readonly stage1b: boolean // false: Stage 1A only (Table 4's baseline); true: then mode-seeking post-training
}

export const BASELINE_TOGGLES: AblationToggles = {
  patchScale: 1, encoder: 'end-to-end', perceptualWeight: 0.1, quantizer: 'lfq', timeDistribution: 'fat_lognormal',
  samplerRho: 4, guidance: true, stage1b: false,
}

export interface Variant {
  readonly id: string // row id and run folder name
  readonly label: string // the paper's row
  readonly table: 'Table 4' | 'Table 5' | 'Table 3'
  readonly toggles: AblationToggles
}

const variant = (id: string, label: string, table: Variant['table'], change: Partial<AblationToggles>): Variant =>
  ({ id, label, table, toggles: { ...BASELINE_TOGGLES, ...change } })

/** The baseline first, then Table 4's seven rows in the paper's order, Table 5's and Table 3's. */
export const VARIANTS: readonly Variant[] = [
  variant('baseline', 'FlowMo (fewer params.)', 'Table 4', {}),
  variant('patch-x2', 'with doubled patch size', 'Table 4', { patchScale: 2 }),
  variant('mse-encoder', 'with MSE-trained encoder', 'Table 4', { encoder: 'mse-then-frozen' }),
  variant('no-perceptual', 'without perceptual loss', 'Table 4', { perceptualWeight: 0 }),
  variant('fsq', 'with FSQ quantization', 'Table 4', { quantizer: 'fsq' }),
  variant('logit-normal', 'with logit-normal schedule', 'Table 4', { timeDistribution: 'lognormal' }),
  variant('unshifted-sampler', 'without shifted sampler', 'Table 4', { samplerRho: 1 }),
  variant('no-guidance', 'without guidance', 'Table 4', { guidance: false }),
  variant('stage-1b', 'with Stage 1B (post-trained)', 'Table 5', { stage1b: true }),
  variant('continuous', 'continuous latent, LayerNorm + noise sync', 'Table 3', { quantizer: 'continuous' }),
]

export function variantById(id: string): Variant {
  const v = VARIANTS.find((x) => x.id === id)
  if (!v) throw new Error(`unknown variant "${id}"; variants: ${VARIANTS.map((x) => x.id).join(', ')}`)
  return v
}

/** The toggles in which two variants differ. */
export function toggleDiff(a: AblationToggles, b: AblationToggles): (keyof AblationToggles)[] {
  return (Object.keys(a) as (keyof AblationToggles)[]).filter((k) => a[k] !== b[k])
}
