// `flowmo info`: the compute backend in use and the versions of everything the engine runs on.
import { existsSync } from 'node:fs'
import type { EngineStatus } from '../../shared/protocol'
import { parseCommandArgs, requestedBackend } from '../args'
import { backendBanner } from '../banner'
import type { Command } from '../command'

export function formatStatus(status: EngineStatus): string {
  const v = status.versions
  const rows: [string, string][] = [
    ['flowmo', v.flowmo],
    ['backend', backendBanner(status).replace(/^backend /, '')],
    ['tfjs', v.tfjs],
    ['onnxruntime', v.onnxruntime ?? 'not installed'],
    ['node', v.node],
    ['electron', v.electron ?? 'not running in Electron'],
  ]
  const lines = rows.map(([key, value]) => `${key.padEnd(12)} ${value}`)
  return [...lines, ...status.notices.map((notice) => `note: ${notice}`)].join('\n')
}

export const info: Command = {
  name: 'info',
  summary: 'show the backend and versions; with a checkpoint, the config it implies, parameters, BPP and state dicts',
  usage: [
    'flowmo info [<checkpoint>] [--config <file>] [--json]',
    '',
    'Initialises the compute backend (best available, or the one named by --backend / FLOWMO_BACKEND)',
    'and prints it with the versions of flowmo, tfjs, onnxruntime-node, node and electron, and the device',
    "onnxruntime's sessions get (--device / FLOWMO_DEVICE; default auto): for webgpu the adapter Dawn finds",
    '(name, vendor, architecture, backend), or an error saying why there is none.',
    'With a checkpoint (.safetensors or an official .pth), also prints the model config it implies (its',
    'metadata, else its tensor shapes), the parameter count, bits per pixel, its state dicts and whether',
    'every name and shape fits; only the headers are read.',
    '',
    '  --config <file>  check the checkpoint against this config instead of the implied one',
    '  --json           print as JSON (the same objects the app shows)',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, config: { type: 'string' } }, { max: 1 })
    const { engineStatus } = await import('../../trainer/engine-status') // lazy: `flowmo --help` never loads tfjs
    const status = await engineStatus(requestedBackend())
    const { deviceReport, formatDevice } = await import('../../trainer/export/device-report')
    const device = await deviceReport().catch((e: Error) => {
      throw new Error(`device: ${e.message}`)
    })
    const deviceLines = [`${'device'.padEnd(12)} ${formatDevice(device)}`, ...device.notices.map((n) => `note: ${n}`)].join('\n')
    const path = positionals[0]
    if (path === undefined) {
      console.log(values.json ? JSON.stringify({ ...status, device }, null, 2) : `${formatStatus(status)}\n${deviceLines}`)
      return 0
    }
    if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist`)
    const { checkpointInfo, formatCheckpointInfo } = await import('../../trainer/inference/checkpoint-info')
    const report = await checkpointInfo(path, values.config)
    console.log(values.json ? JSON.stringify({ status, device, checkpoint: report }, null, 2) : `${formatStatus(status)}\n${deviceLines}\n\n${formatCheckpointInfo(report)}`)
    return report.fits ? 0 : 1
  },
}
