// The sweep form's grid text: lists of numbers with the engine schema's bounds, a message naming the first bad value,
// the σ interval, and the interval axis each mode sends.
import { describe, expect, it } from 'vitest'
import { CFG_RULE, intervalAxis, parseNumberList, parseSigmaInterval, RHO_RULE, STEPS_RULE } from '../../../../../src/renderer/src/components/sweep/grid-text'

describe('sweep grid text', () => {
  it('reads commas and spaces', () => {
    expect(parseNumberList('5, 10 25,50', STEPS_RULE)).toEqual({ values: [5, 10, 25, 50], error: '' })
    expect(parseNumberList(' 1,2.5 ', RHO_RULE)).toEqual({ values: [1, 2.5], error: '' })
  })

  it.each([
    ['', STEPS_RULE, 'give at least one value'],
    ['5, x', STEPS_RULE, '"x" is not a number'],
    ['2.5', STEPS_RULE, '2.5 is not a whole number'],
    ['0', STEPS_RULE, '0 is outside 1–10000'],
    ['0.01', RHO_RULE, '0.01 is outside 0.05–100'],
    ['4, 4', RHO_RULE, '4 is given twice'],
    [Array.from({ length: 65 }, (_, i) => i + 1).join(','), STEPS_RULE, 'at most 64 values'],
  ])('refuses %j', (text, rule, error) => {
    expect(parseNumberList(text, rule)).toEqual({ values: [], error })
  })

  it('leaves an empty optional axis to the model', () => {
    expect(parseNumberList('  ', CFG_RULE)).toEqual({ values: [], error: '' })
  })

  it('reads a σ interval lo ≤ hi', () => {
    expect(parseSigmaInterval('0.17, 1.02')).toEqual({ value: [0.17, 1.02], error: '' })
    expect(parseSigmaInterval('1.02, 0.17').error).toMatch(/lo ≤ hi/)
    expect(parseSigmaInterval('0.17').error).toMatch(/lo ≤ hi/)
  })

  it('sends the interval axis of each mode', () => {
    expect(intervalAxis('model', [0.17, 1.02])).toBeUndefined()
    expect(intervalAxis('interval', [0.17, 1.02])).toEqual([[0.17, 1.02]])
    expect(intervalAxis('all', [0.17, 1.02])).toEqual([null])
    expect(intervalAxis('both', [0.17, 1.02])).toEqual([[0.17, 1.02], null])
  })
})
