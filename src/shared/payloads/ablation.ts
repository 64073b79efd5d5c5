// Wire payloads of `flowmo ablate` outputs in the app (issue 19): listAblations finds the output folders (a table.json)
// at a folder or one level below and returns each table as written (trainer/ablate/table.ts), run paths made absolute.

export interface ListAblationsRequest {
  readonly dir: string // an ablation output folder (--out), or a folder holding several
}

export interface AblationRowView {
  readonly id: string // variant: baseline, patch-x2, …
  readonly label: string // the paper's row
  readonly table: 'Table 4' | 'Table 5' | 'Table 3'
  readonly changed: readonly string[] // the toggle that differs from the baseline
  readonly run: string // absolute run folder (opens in the training dashboard)
  readonly checkpoint: string
  readonly sampling: { readonly steps: number; readonly cfg: number; readonly cfgInterval: readonly [number, number] | null }
  readonly metrics: Readonly<Record<string, number>> // psnr, ssim, lpips_<net>, fid | fid_proxy, …
  readonly deltas: Readonly<Record<string, number>> // metric − baseline's
  readonly unavailable: Readonly<Record<string, string>> // metric → why it did not run
  readonly trainSeconds: number | null
  readonly engine: string // onnxruntime | tfjs | "onnxruntime + tfjs" (Stage 1B on top); '' in tables written before engines were recorded
}

/** The study's setup and eval protocol card: the fields the app shows. */
export interface AblationCard {
  readonly setup: {
    readonly data: string
    readonly val: string
    readonly preset: string
    readonly maxSteps: number
    readonly stage1bSteps: number
    readonly seed: number
    readonly batchSize: number
    readonly perceptual: string
    readonly evalImages: number
    readonly sampleSteps: number
  }
  readonly protocol: {
    readonly dataset: { readonly nImages: number; readonly sha256: string }
    readonly resolutionPx: number
    readonly backend: string
    readonly quantise: string
    readonly psnr: { readonly convention: string }
    readonly ssim: { readonly variant: string }
    readonly inference: { readonly path: string }
    readonly sampler: { readonly seed: number }
  }
  readonly evalWeights: string
}

export interface AblationOutput extends AblationCard {
  readonly dir: string // real path of the output folder
  readonly modified: string // table.json's mtime, ISO
  readonly rows: readonly AblationRowView[]
}

export interface AblationListing {
  readonly dir: string
  readonly outputs: readonly AblationOutput[] // newest first
  readonly notices: readonly string[] // table.json files that could not be read, and why
}
