// rfSample on tfjs: each decoder call runs in its own tidy scope, intermediate states are released as they go.
import * as tf from '@tensorflow/tfjs-core'
import type { FlowMo } from '../model/flowmo'
import type { TfOps } from '../model/tf-ops'
import type { SamplingConfig } from '../model/configs'
import { rfSample, type SampleOptions, type SampleOps, type SampleResult } from './rf-sample'

export const tfSampleOps: SampleOps<tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  scale: (x, s) => tf.mul(x, tf.scalar(s, 'float32')),
  release: (x) => x.dispose(),
}

/** Sample x̂ from noise z0 [B, 3, S, S] given the decoder input codeIn [B, L, C+1]; z0 and codeIn stay owned by the caller. */
export function tfSample(
  model: FlowMo, o: TfOps, z0: tf.Tensor, codeIn: tf.Tensor, sampling: SamplingConfig, opts: SampleOptions = {},
): Promise<SampleResult<tf.Tensor>> {
  const velocity = async (z: tf.Tensor, code: tf.Tensor, t: number) =>
    tf.tidy(() => model.decode(o, z, code, tf.fill([z.shape[0]], t, 'float32')))
  return rfSample(tfSampleOps, velocity, z0, codeIn, sampling, opts)
}
