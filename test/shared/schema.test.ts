// The hand-written payload validation: accepted values, one-line reasons naming the path, strict objects.
import { describe, expect, it } from 'vitest'
import { trainerMethods, trainerSchemas } from '../../src/shared/protocol'
import { s, validate } from '../../src/shared/schema'

describe('schema', () => {
  const job = s.object({ steps: s.integer({ min: 1, max: 100 }), name: s.optional(s.string(8)), tags: s.array(s.literal('a', 'b'), 3) })

  it('accepts valid values, with or without optional fields', () => {
    expect(validate(job, { steps: 5, tags: [] })).toBe(true)
    expect(validate(job, { steps: 100, name: 'run', tags: ['a', 'b'] })).toBe(true)
  })

  it('names the offending path and value', () => {
    expect(job.check({ steps: 0, tags: [] }, 'req')).toBe('req.steps: expected integer ≥ 1 and ≤ 100, got 0')
    expect(job.check({ steps: 1.5, tags: [] }, 'req')).toMatch(/^req\.steps: expected integer/)
    expect(job.check({ steps: 1, tags: ['c'] }, 'req')).toBe('req.tags[0]: expected one of "a", "b", got "c"')
    expect(job.check({ steps: 1, tags: [], name: 'much too long' }, 'req')).toMatch(/^req\.name: expected string of at most 8/)
    expect(job.check({ tags: [] }, 'req')).toBe('req.steps: expected integer ≥ 1 and ≤ 100, got undefined')
  })

  it('rejects unknown fields, arrays and typed arrays posing as objects', () => {
    expect(job.check({ steps: 1, tags: [], extra: 1 }, 'req')).toBe('req: unknown field "extra"')
    expect(job.check([], 'req')).toMatch(/got array$/)
    expect(job.check(new Uint8Array(2), 'req')).toMatch(/got Uint8Array$/)
    expect(job.check(null, 'req')).toMatch(/got null$/)
  })

  it('checks typed arrays by class and length', () => {
    expect(validate(s.uint8Array(4), new Uint8Array(4))).toBe(true)
    expect(validate(s.uint8Array(4), new Uint8Array(5))).toBe(false)
    expect(validate(s.uint8Array(4), new Float32Array(2))).toBe(false)
    expect(validate(s.float32Array(), [0.5])).toBe(false)
  })

  it('rejects NaN and infinities as numbers', () => {
    for (const bad of [NaN, Infinity, -Infinity, '1']) expect(validate(s.number(), bad)).toBe(false)
  })

  it('has one request schema per TrainerApi call', () => {
    expect(Object.keys(trainerSchemas).sort()).toEqual(Object.keys(trainerMethods).sort())
    expect(validate(trainerSchemas.status, undefined)).toBe(true)
    expect(validate(trainerSchemas.status, { x: 1 })).toBe(false)
  })
})
