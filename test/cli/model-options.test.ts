// The model options every model-opening command reads through one function: --path and the model flags are checked
// before any work, with the same one-line messages in every command.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/args'
import { modelChoiceFromArgs } from '../../src/cli/model-options'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const checkpoint = join(goldenDir(), 'tiny-a', 'checkpoint.pth')

describe('modelChoiceFromArgs', () => {
  it('reads the model and --path (default auto)', () => {
    expect(modelChoiceFromArgs({ checkpoint })).toEqual({ source: { checkpoint, config: undefined, preset: undefined, stateDict: undefined }, path: 'auto' })
    expect(modelChoiceFromArgs({ checkpoint, path: 'tfjs', 'state-dict': 'raw', preset: 'tiny-64' })).toEqual({
      source: { checkpoint, config: undefined, preset: 'tiny-64', stateDict: 'raw' }, path: 'tfjs',
    })
  })

  it('answers a wrong flag with a usage error, and a missing file with a plain one', () => {
    const usage = (v: Parameters<typeof modelChoiceFromArgs>[0], message: string) => {
      expect(() => modelChoiceFromArgs(v)).toThrow(UsageError)
      expect(() => modelChoiceFromArgs(v)).toThrow(message)
    }
    usage({ checkpoint, path: 'gpu' }, "--path expects auto, onnxruntime or tfjs, got 'gpu'")
    usage({}, '--checkpoint is required')
    usage({ checkpoint, config: 'c.json', preset: 'tiny-64' }, 'give --config or --preset, not both')
    usage({ checkpoint, 'state-dict': 'best' }, "--state-dict expects ema or raw, got 'best'")
    expect(() => modelChoiceFromArgs({ checkpoint: 'no/such.pth' })).toThrow('checkpoint no/such.pth does not exist')
    expect(() => modelChoiceFromArgs({ checkpoint: 'no/such.pth' })).not.toThrow(UsageError)
  })
})
