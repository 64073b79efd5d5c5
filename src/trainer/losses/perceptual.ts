// The pluggable perceptual loss of both training stages (reference: LPIPS-VGG in Stage 1A, ResNet-50 logits
// in Stage 1B, spec §3.1 / §3.5). Implementations live in perceptual-nets.ts and are loaded only when asked for.
import type * as tf from '@tensorflow/tfjs-core'

export interface PerceptualLoss {
  readonly name: string
  /** honest, shown in logs/UI */
  readonly label: string
  readonly isProxy: boolean
  /** mean over batch, inputs [-1,1] NCHW */
  distance(x: tf.Tensor4D, y: tf.Tensor4D): tf.Scalar
  dispose(): void
}

export type PerceptualKind = 'none' | 'lpips-vgg' | 'resnet50' | 'proxy'

/**
 * The loss for `kind`, or null for 'none'. A missing weight file throws a MissingWeightsError that says which
 * file and where to put it; with `allowFallback` the offline proxy is returned instead, its label saying why.
 */
export async function createPerceptualLoss(
  kind: PerceptualKind,
  opts: { weightsDir?: string; allowFallback?: boolean },
): Promise<PerceptualLoss | null> {
  if (kind === 'none') return null
  const { createNetPerceptualLoss } = await import('./perceptual-nets')
  return createNetPerceptualLoss(kind, opts)
}

/** The smallest image side the offline proxy takes (MobileNetV2's last tap has stride 32; nets/mobilenet-v2-proxy.ts). */
export const PROXY_MIN_SIZE_PX = 32

/** Why `kind` cannot train on `imageSizePx` images, or null: the proxy's deepest features vanish below 32 px. */
export function perceptualSizeProblem(kind: PerceptualKind, imageSizePx: number): string | null {
  if (kind !== 'proxy' || imageSizePx >= PROXY_MIN_SIZE_PX) return null
  return `the perceptual proxy needs images of at least ${PROXY_MIN_SIZE_PX} px, this model's are ${imageSizePx} px: use --perceptual none (or lpips-vgg)`
}
