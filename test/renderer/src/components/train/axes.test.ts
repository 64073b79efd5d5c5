// Tick labels of the training charts: as many decimals as the tick spacing needs, no repeated labels.
import { describe, expect, it } from 'vitest'
import { tickLabels } from '../../../../../src/renderer/src/components/train/axes'

describe('tickLabels', () => {
  it('gives every tick a distinct label with the decimals its spacing needs', () => {
    expect(tickLabels([7.5, 10, 12.5, 15])).toEqual(['7.5', '10.0', '12.5', '15.0'])
    expect(tickLabels([-0.0028, -0.0026, -0.0024, -0.0022])).toEqual(['-0.0028', '-0.0026', '-0.0024', '-0.0022'])
    expect(tickLabels([0, 25, 50, 75, 100])).toEqual(['0', '25', '50', '75', '100'])
    expect(tickLabels([1.3, 1.4, 1.5, 1.6])).toEqual(['1.3', '1.4', '1.5', '1.6'])
  })
})
