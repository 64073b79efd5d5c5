// Command-line parsing: strict options, positional bounds, number options, the global --backend.
import { describe, expect, it } from 'vitest'
import { integerOption, numberOption, parseCommandArgs, takeGlobalOptions, UsageError } from '../../src/cli/args'

describe('parseCommandArgs', () => {
  const options = { json: { type: 'boolean' }, out: { type: 'string', short: 'o' } } as const

  it('parses options and positionals', () => {
    const parsed = parseCommandArgs(['ckpt.safetensors', '--json', '-o', 'x.txt'], options, { max: 1 })
    expect(parsed.values).toEqual({ json: true, out: 'x.txt' })
    expect(parsed.positionals).toEqual(['ckpt.safetensors'])
  })

  it('turns parse failures into one-line usage errors', () => {
    expect(() => parseCommandArgs(['--frob'], options)).toThrow(new UsageError("Unknown option '--frob'"))
    expect(() => parseCommandArgs(['--out'], options)).toThrow(UsageError)
    expect(() => parseCommandArgs(['a', 'b'], options, { max: 1 })).toThrow("unexpected argument 'b'")
    expect(() => parseCommandArgs([], options, { min: 1, max: 1 })).toThrow('expected 1 argument, got 0')
  })
})

describe('number options', () => {
  it('accepts valid values and names the option otherwise', () => {
    expect(integerOption('500', 'steps', { min: 1 })).toBe(500)
    expect(integerOption(undefined, 'steps')).toBeUndefined()
    expect(() => integerOption('0', 'steps', { min: 1 })).toThrow("--steps expects an integer ≥ 1, got '0'")
    expect(() => integerOption('1.5', 'steps')).toThrow(UsageError)
    expect(numberOption('1e-4', 'lr')).toBe(1e-4)
    expect(() => numberOption('fast', 'lr')).toThrow("--lr expects a number, got 'fast'")
  })
})

describe('takeGlobalOptions', () => {
  it('takes --backend and --help from anywhere before --', () => {
    expect(takeGlobalOptions(['--backend', 'cpu', 'info', '--json'])).toEqual({ backend: 'cpu', help: false, rest: ['info', '--json'] })
    expect(takeGlobalOptions(['info', '--backend=wasm', '-h'])).toEqual({ backend: 'wasm', help: true, rest: ['info'] })
    expect(takeGlobalOptions(['run', '--', '--backend', 'x'])).toEqual({ backend: undefined, help: false, rest: ['run', '--', '--backend', 'x'] })
  })

  it('takes --device like --backend', () => {
    expect(takeGlobalOptions(['info', '--device', 'webgpu', '--json'])).toEqual({ device: 'webgpu', help: false, rest: ['info', '--json'] })
    expect(takeGlobalOptions(['--device=cpu', '--backend', 'wasm', 'eval'])).toEqual({ device: 'cpu', backend: 'wasm', help: false, rest: ['eval'] })
    expect(() => takeGlobalOptions(['info', '--device'])).toThrow("option '--device <name>' argument missing")
  })

  it('rejects a --backend without a value', () => {
    expect(() => takeGlobalOptions(['info', '--backend'])).toThrow(UsageError)
    expect(() => takeGlobalOptions(['--backend', '--json'])).toThrow(UsageError)
    expect(() => takeGlobalOptions(['--backend='])).toThrow(UsageError)
  })
})
