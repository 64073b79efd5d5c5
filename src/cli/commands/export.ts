// `flowmo export`: a checkpoint → encoder.onnx, decoder.onnx and flowmo.json (config, sampler defaults, hashes).
// The first Ctrl-C stops the export within one write call and removes the graphs written so far; a second quits at once.
import { existsSync, statSync } from 'node:fs'
import { rm, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'
import { modelOptionSpecs, modelSourceFromArgs, modelUsage } from '../model-options'

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a tokenizer to ONNX (encoder.onnx, decoder.onnx, flowmo.json) for onnxruntime',
  usage: [
    'flowmo export --checkpoint <file> --out <dir> [options]',
    '',
    ...modelUsage,
    '  --out <dir>              folder for encoder.onnx (x [B,3,S,S] → code_pre [B,L,C]), decoder.onnx',
    '                           (x_t [B,3,S,S], code_in [B,L,C+1], t [B] → v [B,3,S,S]) and flowmo.json',
    '  --unfused-attention      standard opset-17 ops only (default: onnxruntime\'s fused MultiHeadAttention,',
    '                           com.microsoft domain; same results, less memory, runs only in onnxruntime)',
    '  --external-data-mb <n>   weights above this total go to <part>.onnx.data (default 1024; protobuf caps at 2 GB)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, out: { type: 'string' }, 'unfused-attention': { type: 'boolean' }, 'external-data-mb': { type: 'string' },
    })
    if (!values.out) throw new UsageError('--out is required')
    if (existsSync(values.out) && !statSync(values.out).isDirectory()) throw new Error(`--out ${values.out} exists and is not a folder`)
    const src = modelSourceFromArgs(values)
    const externalMb = integerOption(values['external-data-mb'], 'external-data-mb', { min: 0, max: 1900 })
    const { exportFlowMo } = await import('../../trainer/export/flowmo-export')
    const started = Date.now()
    const m = await untilCtrlC(values.out, (signal) => exportFlowMo(src, values.out!, {
      fusedAttention: !values['unfused-attention'],
      externalDataThresholdBytes: externalMb === undefined ? undefined : externalMb * 2 ** 20,
      onProgress: (message) => console.error(`export: ${message}`),
      signal,
    }))
    if (!m) return 130
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
    console.log([
      `exported ${m.config.name} (${m.parameters.toLocaleString('en-US')} parameters, ${m.bitsPerPixel === null ? 'continuous latent' : `${m.bitsPerPixel.toFixed(4)} bpp`}) to ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  encoder.onnx ${mib(m.encoder.bytes)}${m.encoder.dataFile ? ` (+ ${m.encoder.dataFile})` : ''}, decoder.onnx ${mib(m.decoder.bytes)}${m.decoder.dataFile ? ` (+ ${m.decoder.dataFile})` : ''}`,
      `  opset ${m.opset}${m.fusedAttention ? ' + com.microsoft 1 (fused attention)' : ''}; state dict ${m.checkpoint.stateDict ?? '(bare)'}; checkpoint sha256 ${m.checkpoint.sha256.slice(0, 16)}…`,
    ].join('\n'))
    return 0
  },
}

const GRAPH_FILES = ['encoder.onnx', 'encoder.onnx.data', 'decoder.onnx', 'decoder.onnx.data']

/** Runs the export until it ends or Ctrl-C stops it (null then): the graphs in `out` are removed, and `out` when empty.
 * An export removes the folder's flowmo.json first, so those graphs belong to no export any more. */
async function untilCtrlC<T>(out: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
  const controller = new AbortController()
  const stop = (): void => {
    console.error('\nstopping the export (Ctrl-C again to quit now)')
    controller.abort(new Error('export interrupted'))
  }
  process.once('SIGINT', stop)
  try {
    return await work(controller.signal)
  } catch (e) {
    if (!controller.signal.aborted) throw e
    await Promise.all(GRAPH_FILES.map((file) => rm(join(out, file), { force: true })))
    await rmdir(out).catch(() => {}) // kept when it holds other files (or was never made)
    console.error(`export stopped; ${out} holds no export`)
    return null
  } finally {
    process.off('SIGINT', stop)
  }
}
