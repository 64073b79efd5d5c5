// `flowmo` command line: the engine without a window. Registry of commands, global options, exit codes
// (0 ok, 1 failure, 2 usage error). Started by bin/flowmo.mjs through tsx; each command is src/cli/commands/<name>.ts.
import { version } from '../../package.json'
import { parseDevice } from '../trainer/export/ort-device'
import { takeGlobalOptions, UsageError } from './args'
import type { Command } from './command'
import { cache } from './commands/cache'
import { compare } from './commands/compare'
import { convert } from './commands/convert'
import { decode } from './commands/decode'
import { encode } from './commands/encode'
import { evalCommand } from './commands/eval'
import { exportCommand } from './commands/export'
import { genEval } from './commands/gen-eval'
import { generate } from './commands/generate'
import { exportRatings } from './commands/export-ratings'
import { importRatings } from './commands/import-ratings'
import { info } from './commands/info'
import { reconstruct } from './commands/reconstruct'
import { tokenMap } from './commands/token-map'
import { codeStats } from './commands/code-stats'
import { runs } from './commands/runs'
import { watch } from './commands/watch'
import { train } from './commands/train'
import { ablate } from './commands/ablate'
import { serve } from './commands/serve'
import { sweep } from './commands/sweep'

/** Add a command here: import its module and list it; `flowmo --help` shows it in this order. */
export const commands: readonly Command[] = [
  info,
  reconstruct,
  evalCommand,
  serve,
  exportCommand,
  exportRatings,
  importRatings,
  train,
  sweep,
  compare,
  encode,
  decode,
  convert,
  generate,
  genEval,
  ablate,
  runs,
  watch,
  tokenMap,
  cache,
  codeStats,
]

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `flowmo ${version}: train, evaluate and inspect FlowMo image tokenizers`,
    '',
    'usage: flowmo <command> [options]    flowmo <command> --help',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    '  --backend <name>  compute backend: webgpu | tensorflow-gpu | tensorflow | wasm | cpu',
    '                    (default: best available; also FLOWMO_BACKEND)',
    '  --device <name>   onnxruntime execution provider: auto | cpu | webgpu | cuda (default: auto, which',
    '                    takes webgpu on a hardware adapter, else cpu; also FLOWMO_DEVICE)',
    '  -h, --help        show help',
    '  --version         print the version',
  ].join('\n')
}

export async function main(argv: readonly string[]): Promise<number> {
  let name: string | null = null
  try {
    const global = takeGlobalOptions(argv)
    if (global.backend) process.env.FLOWMO_BACKEND = global.backend // seen by commands and child processes
    if (global.device) process.env.FLOWMO_DEVICE = deviceOption(global.device)
    const [first, ...rest] = global.rest
    if (first === '--version') {
      console.log(version)
      return 0
    }
    if (first === undefined && global.help) {
      console.log(overview())
      return 0
    }
    if (first === undefined) throw new UsageError(`missing command\n\n${overview()}`)
    const command = commands.find((c) => c.name === first)
    if (!command) throw new UsageError(`unknown command '${first}' (commands: ${commands.map((c) => c.name).join(', ')})`)
    name = command.name
    if (!global.help) return await command.run(rest)
    console.log(`usage: ${command.usage}`)
    return 0
  } catch (error) {
    return reportError(name, error)
  }
}

function deviceOption(value: string): string {
  try {
    return parseDevice(value)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

function reportError(commandName: string | null, error: unknown): number {
  const prefix = commandName ? `flowmo ${commandName}` : 'flowmo'
  if (error instanceof UsageError) {
    console.error(`${prefix}: ${error.message}\nRun '${prefix} --help' for usage.`)
    return 2
  }
  const debug = process.env.FLOWMO_DEBUG === '1'
  if (debug) console.error(`${prefix}: error: ${error instanceof Error ? error.stack : String(error)}`)
  else console.error(`${prefix}: error: ${userMessage(error)}${isBug(error) ? ' (set FLOWMO_DEBUG=1 for the stack trace)' : ''}`)
  return 1
}

/** One line a user can act on; a WebAssembly abort (tfjs-wasm out of memory, say) is never shown as it is. */
function userMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  if (/^Aborted\(/.test(message) || (error instanceof Error && error.name === 'RuntimeError')) {
    return 'the wasm compute backend aborted (most often out of memory: the model is too large for it); '
      + 'use a smaller model, the onnxruntime path (--path onnxruntime) or another --backend'
  }
  const { code, path, syscall } = error as NodeJS.ErrnoException
  if (typeof code === 'string' && typeof path === 'string' && FILE_ERRORS[code]) {
    return `${path}: ${code === 'EEXIST' && syscall === 'mkdir' ? 'exists and is not a folder' : FILE_ERRORS[code]} (${code})`
  }
  return message
}

/** Node's file-system error codes as reasons (the path is named before them). */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist', EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system',
  ENOSPC: 'disk full', EDQUOT: 'disk quota exceeded', ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file', EEXIST: 'already exists', ELOOP: 'too many symbolic links (a loop?)', EMFILE: 'too many open files',
}

/** Errors that come from a bug rather than from the input (their stack helps a report). */
function isBug(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError
}
