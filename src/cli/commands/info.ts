// `flowmo info`: the compute backend in use and the versions of everything the engine runs on.
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
  summary: 'show the compute backend in use and the versions of flowmo, tfjs, onnxruntime and node',
  usage: [
    'flowmo info [--json]',
    '',
    'Initialises the compute backend (best available, or the one named by --backend / FLOWMO_BACKEND)',
    'and prints it with the versions of flowmo, tfjs, onnxruntime-node, node and electron.',
    '',
    '  --json   print the engine status as JSON (the same object the app shows)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } })
    const { engineStatus } = await import('../../trainer/service') // lazy: `flowmo --help` never loads tfjs
    const status = await engineStatus(requestedBackend())
    console.log(values.json ? JSON.stringify(status, null, 2) : formatStatus(status))
    return 0
  },
}
