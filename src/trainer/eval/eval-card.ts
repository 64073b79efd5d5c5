// The protocol card of one `flowmo eval` result: metrics/protocol.ts ProtocolCard plus what only an eval decides
// (how the dataset was fingerprinted, the model config, LPIPS weight files, the inference path and device).
import type { SamplingConfig } from '../model/configs'
import type { FeatureNetwork, ProtocolCard } from '../metrics/protocol'
import { metricsVersion } from '../metrics/protocol'
import type { PsnrConvention } from '../metrics/psnr'
import type { SsimVariant } from '../metrics/ssim'
import type { Quantise } from '../metrics/images'
import type { ReferenceUse } from '../metrics/reference-stats-cache'
import { NOISE_METHODS, type NoiseKeying } from '../sample/noise'
import { cfgIntervalT } from '../sample/schedule'
import { DATASET_HASH_METHOD } from './dataset-hash'

export interface EvalCard extends ProtocolCard {
  readonly datasetHashMethod: string // DATASET_HASH_METHOD
  readonly sampler: ProtocolCard['sampler'] & {
    readonly schedule: string // e.g. 'pow_0.25' (ρ 4) or 'linear'
    readonly cfgIntervalSigma: string | null // as given, EDM σ, e.g. '(.17,1.02)'; cfgInterval holds its flow-t image
  }
  readonly checkpoint: ProtocolCard['checkpoint'] & { readonly stateDict: string | null } // the key read, e.g. model_ema_state_dict
  readonly config: { readonly source: string; readonly sha256: string | null } // where the model config came from
  readonly lpips: readonly FeatureNetwork[] | null // LPIPS backbone + heads files; null when LPIPS did not run
  readonly inference: { readonly path: 'onnxruntime' | 'tfjs'; readonly device: string } // e.g. onnxruntime / cpu
  readonly metricNetsBackend: string | null // where LPIPS / feature networks ran, e.g. 'tfjs-wasm'; null when none did
  readonly referenceStats?: ReferenceUse // on a report's card when FID/KID ran: were the originals' features cached; never on a journal's
}

export interface EvalCardInputs {
  readonly dataset: { readonly path: string; readonly sha256: string; readonly nImages: number }
  readonly resolutionPx: number
  readonly quantise: Quantise
  readonly psnr: PsnrConvention
  readonly ssim: SsimVariant
  readonly sampling: SamplingConfig // the model's config merged with the user's options
  readonly seed: number
  readonly noise: NoiseKeying
  readonly checkpoint: EvalCard['checkpoint']
  readonly config: EvalCard['config']
  readonly inference: EvalCard['inference']
  readonly backend: string
  readonly network: FeatureNetwork | null
  readonly lpips: readonly FeatureNetwork[] | null
  readonly metricNetsBackend: string | null
}

/** The resize the data loader applies (data/images.ts loadImageTensor 'center'), named for the card. */
export const EVAL_RESIZE = 'resize-shorter-bilinear-antialias+center-crop'

/** ρ of a 'pow_p' schedule (1/p); 1 for 'linear'. */
export function scheduleRho(schedule: string): number {
  const m = /^pow_([0-9]*\.?[0-9]+)$/.exec(schedule)
  return m ? 1 / Number(m[1]) : 1
}

export function evalCard(i: EvalCardInputs): EvalCard {
  const s = i.sampling
  const interval = s.cfgInterval === null ? null : cfgIntervalT(s.cfgInterval)
  return {
    metricsVersion,
    dataset: i.dataset,
    datasetHashMethod: DATASET_HASH_METHOD,
    resolutionPx: i.resolutionPx,
    resize: EVAL_RESIZE,
    quantise: i.quantise,
    network: i.network,
    psnr: { convention: i.psnr, batchSize: i.psnr === 'batch-pooled' ? 5 : null },
    ssim: { variant: i.ssim, range: 'unit' },
    sampler: {
      steps: s.steps, rho: scheduleRho(s.schedule), cfg: s.cfg, cfgInterval: interval, seed: i.seed, noise: NOISE_METHODS[i.noise],
      schedule: s.schedule, cfgIntervalSigma: s.cfgInterval,
    },
    checkpoint: i.checkpoint,
    config: i.config,
    lpips: i.lpips,
    inference: i.inference,
    metricNetsBackend: i.metricNetsBackend,
    backend: i.backend,
  }
}
