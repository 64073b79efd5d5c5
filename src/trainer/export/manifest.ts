// `flowmo.json`, written beside an exported encoder.onnx / decoder.onnx: the config in explicit-sizes form,
// sampler defaults, BPP, opsets, the checkpoint's hash and state dict, and the exporting tool's version.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildConfig, type ExplicitSizes, type FlowMoConfig, type SamplingConfig } from '../model/configs'

export { explicitSizes } from '../model/configs'

export const MANIFEST_FILE = 'flowmo.json'
export const MANIFEST_FORMAT = 'flowmo-onnx/1'

/** One exported graph: its file, external data file (or null), and named inputs/outputs with shapes (-1 = batch). */
export interface GraphEntry {
  readonly file: string // relative to the export folder
  readonly dataFile: string | null
  readonly bytes: number // model + external data
  readonly inputs: Readonly<Record<string, readonly number[]>>
  readonly outputs: Readonly<Record<string, readonly number[]>>
}

export interface FlowMoManifest {
  readonly format: typeof MANIFEST_FORMAT
  readonly config: ExplicitSizes
  readonly sampling: SamplingConfig // sampler defaults (the config's)
  readonly bitsPerPixel: number | null // L·bits per token / S²; null for a continuous latent
  readonly parameters: number
  readonly opset: number
  readonly domainOpsets: Readonly<Record<string, number>> // e.g. { "com.microsoft": 1 } with fused attention
  readonly fusedAttention: boolean
  readonly checkpoint: {
    readonly path: string
    readonly sha256: string
    readonly bytes: number
    readonly format: 'safetensors' | 'pth'
    readonly stateDict: string | null // the state dict exported (e.g. model_ema_state_dict)
    readonly stateDicts: readonly string[]
    readonly totalSteps: number | null
  }
  readonly configSource: string // "file …", "preset …", "checkpoint metadata", "checkpoint shapes"
  readonly assumed: readonly string[]
  readonly tool: { readonly name: 'flowmo-studio'; readonly version: string }
  readonly createdAt: string // ISO time
  readonly encoder: GraphEntry
  readonly decoder: GraphEntry
}

export async function readManifest(dir: string): Promise<{ manifest: FlowMoManifest; config: FlowMoConfig }> {
  const path = join(dir, MANIFEST_FILE)
  let manifest: FlowMoManifest
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as FlowMoManifest
  } catch (e) {
    throw new Error(`${dir} is not a FlowMo ONNX export: cannot read ${MANIFEST_FILE} (${(e as Error).message}); run 'flowmo export' first`)
  }
  if (manifest.format !== MANIFEST_FORMAT) throw new Error(`${path}: format "${manifest.format}" is not ${MANIFEST_FORMAT}`)
  return { manifest, config: buildConfig(manifest.config) }
}
