// Thin wrapper over node:util parseArgs for `flowmo` commands: bad input becomes one clear UsageError line,
// never a stack trace. Also the global options `--backend` and `--device`, accepted anywhere before `--`.
import { parseArgs } from 'node:util'

/** A mistake in the command line; main prints its message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

type OptionSpec = { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }
type OptionSpecs = Readonly<Record<string, OptionSpec>>
type OptionValue<S extends OptionSpec> = S['type'] extends 'string' ? (S['multiple'] extends true ? string[] : string) : boolean

export interface ParsedArgs<O extends OptionSpecs> {
  readonly values: { readonly [K in keyof O]?: OptionValue<O[K]> }
  readonly positionals: readonly string[]
}

/** Parses `argv` strictly; `positionals` bounds how many bare arguments the command takes. */
export function parseCommandArgs<const O extends OptionSpecs>(
  argv: readonly string[],
  options: O,
  positionals: { readonly min?: number; readonly max?: number } = {},
): ParsedArgs<O> {
  const { min = 0, max = 0 } = positionals
  let parsed: { values: object; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...argv], options: options as OptionSpecs & Record<string, OptionSpec>, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, ''))
  }
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`)
  if (parsed.positionals.length < min) throw new UsageError(`expected ${min} argument${min === 1 ? '' : 's'}, got ${parsed.positionals.length}`)
  return parsed as ParsedArgs<O>
}

/** An integer option value such as `--steps 500`; names the option when the value is wrong. */
export function integerOption(value: string | undefined, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  const { min = -Infinity, max = Infinity } = bounds
  if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(`--${name} expects an integer${min > -Infinity ? ` ≥ ${min}` : ''}${max < Infinity ? ` ≤ ${max}` : ''}, got '${value}'`)
  }
  return n
}

/** A number option value such as `--lr 1e-4`. */
export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${value}'`)
  return n
}

export interface GlobalOptions {
  readonly backend?: string // --backend <name>: wasm | cpu | tensorflow | tensorflow-gpu | webgpu
  readonly device?: string // --device <name>: auto | cpu | webgpu | cuda (onnxruntime's execution provider)
  readonly help: boolean // -h / --help anywhere before `--`
  readonly rest: readonly string[] // argv without the global options
}

/** Takes the global options out of argv, wherever they stand before a `--` terminator. */
export function takeGlobalOptions(argv: readonly string[]): GlobalOptions {
  const rest: string[] = []
  const named: { backend?: string; device?: string } = {}
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    const option = (['backend', 'device'] as const).find((o) => arg === `--${o}` || arg.startsWith(`--${o}=`))
    if (arg === '-h' || arg === '--help') help = true
    else if (option === undefined) rest.push(arg)
    else {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]
      if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError(`option '--${option} <name>' argument missing`)
      named[option] = value
    }
  }
  return { ...named, help, rest }
}

/** The backend the user asked for: `--backend` (main copies it into the environment) or FLOWMO_BACKEND. */
export function requestedBackend(): string | undefined {
  return process.env.FLOWMO_BACKEND || undefined
}
