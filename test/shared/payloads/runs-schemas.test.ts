// Request schemas of the run calls: a full startRun request passes, each bad field is named, stopRun/openRunFolder/
// runSample need their ids and paths, listRuns takes nothing.
import { describe, expect, it } from 'vitest'
import { checkCall } from '../../../src/shared/rpc'
import { trainerSchemas } from '../../../src/shared/protocol'

const schemas = trainerSchemas as unknown as Record<string, import('../../../src/shared/schema').Schema<unknown>>
const refused = (method: string, req: unknown) => checkCall(schemas, { method, req })?.message ?? null

const run = { data: '/d', out: '/r', preset: 'tiny-64' }

describe('run call schemas', () => {
  it('accepts a minimal and a full startRun request', () => {
    expect(refused('startRun', run)).toBeNull()
    const full = {
      ...run, val: '/v', stage: '1b', init: '/c.safetensors', initStateDict: 'ema', maxSteps: 10, batchSize: 2, gradAccumulation: 1, lr: 1e-4, seed: 0,
      logEvery: 1, sampleEvery: 5, valEvery: 5, checkpointEvery: 5, keepLast: 2, keepEvery: null, valImages: 4, evalWeights: 'raw',
      freezeEncoderAfter: null, timeDistribution: 'uniform', chainSteps: 2, perceptual: 'none', perceptualWeight: 0, weightsDir: '/w',
      allowPerceptualFallback: true, engine: 'onnxruntime',
    }
    expect(refused('startRun', full)).toBeNull()
    expect(refused('startRun', { data: '/d', out: '/r', config: '/c.json', resume: true })).toBeNull()
  })

  it('names the bad field of startRun', () => {
    expect(refused('startRun', { out: '/r' })).toMatch(/^startRun\(req\)\.data: expected string/)
    expect(refused('startRun', { ...run, stage: '2' })).toMatch(/^startRun\(req\)\.stage: expected one of "1a", "1b"/)
    expect(refused('startRun', { ...run, maxSteps: 0 })).toMatch(/^startRun\(req\)\.maxSteps: expected integer ≥ 1/)
    expect(refused('startRun', { ...run, batchSize: 2.5 })).toMatch(/\.batchSize: expected integer/)
    expect(refused('startRun', { ...run, lr: NaN })).toMatch(/\.lr: expected finite number/)
    expect(refused('startRun', { ...run, engine: 'torch' })).toMatch(/\.engine: expected one of "tfjs", "onnxruntime"/)
    expect(refused('startRun', { ...run, keepEvery: 0 })).toMatch(/\.keepEvery: expected null or integer ≥ 1/)
    expect(refused('startRun', { ...run, resume: 'yes' })).toMatch(/\.resume: expected boolean/)
    expect(refused('startRun', { ...run, command: 'rm' })).toBe('startRun(req): unknown field "command"')
  })

  it('checks the other run calls', () => {
    expect(refused('stopRun', { runId: 'run-1' })).toBeNull()
    expect(refused('stopRun', {})).toMatch(/\.runId: expected string/)
    expect(refused('listRuns', undefined)).toBeNull()
    expect(refused('listRuns', { all: true })).toMatch(/expected no argument/)
    expect(refused('openRunFolder', { dir: 7 })).toMatch(/\.dir: expected string/)
    expect(refused('runSample', { dir: '/r', step: -1 })).toMatch(/\.step: expected integer ≥ 0/)
  })
})
