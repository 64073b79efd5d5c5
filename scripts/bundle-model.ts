// Packs one training checkpoint into the small model the app ships (resources/models/*.safetensors): the chosen
// weights (EMA by default) stored as float16 and inference-only (parameters the forward never reads left out),
// with the config, provenance and training step in the metadata.
// Usage: npx tsx scripts/bundle-model.ts <checkpoint.safetensors> <out.safetensors> [ema|raw] [note]
import { basename } from 'node:path'
import { statSync } from 'node:fs'
import { openWeights } from '../src/trainer/checkpoint/checkpoint'
import { writeSafetensors } from '../src/trainer/checkpoint/safetensors'
import { impliedConfig } from '../src/trainer/inference/infer-config'
import { explicitSizes } from '../src/trainer/train/checkpointing'
import { FlowMo } from '../src/trainer/model/flowmo'
import { INFERENCE_ONLY_KEY, unusedAtInference } from '../src/trainer/model/weights'

const [src, out, which = 'ema', note = ''] = process.argv.slice(2)
if (!src || !out || (which !== 'ema' && which !== 'raw')) {
  console.error('usage: npx tsx scripts/bundle-model.ts <checkpoint.safetensors> <out.safetensors> [ema|raw] [note]')
  process.exit(2)
}
const w = await openWeights(src, { stateDict: which })
const { config } = impliedConfig(w)
const unused = unusedAtInference(new FlowMo(config))
const tensors = []
for (const t of w.tensors.values()) {
  if (!unused.has(t.name)) tensors.push({ name: t.name, shape: t.shape, dtype: 'F16' as const, data: await t.read() })
}
await writeSafetensors(out, tensors, {
  [INFERENCE_ONLY_KEY]: 'true',
  config: JSON.stringify(explicitSizes(config)),
  total_steps: String(w.totalSteps ?? 0),
  source: `${basename(src)} (${which} weights, stored as float16)`,
  ...(note && { note }),
})
await w.close()
console.log(`wrote ${out}: ${tensors.length} tensors, ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB, step ${w.totalSteps}`)
