// A protocol card's inputs for the eval tests (not a test file: shared by journal and card tests).
import type { EvalCardInputs } from '../../../src/trainer/eval/eval-card'

export const cardInputs: EvalCardInputs = {
  dataset: { path: '/data/val', sha256: 'ab'.repeat(32), nImages: 4 },
  resolutionPx: 32, quantise: 'truncate', psnr: 'per-image', ssim: 'skimage-default-7x7',
  sampling: { steps: 25, schedule: 'pow_0.25', cfg: 1.5, cfgInterval: '(.17,1.02)' }, seed: 0, noise: 'image',
  checkpoint: { path: '/m/ckpt.pth', sha256: 'cd'.repeat(32), weights: 'ema', stateDict: 'model_ema_state_dict' },
  config: { source: 'file config.json', sha256: null }, inference: { path: 'tfjs', device: 'cpu' }, backend: 'tfjs-cpu',
  network: null, lpips: null, metricNetsBackend: null,
}
