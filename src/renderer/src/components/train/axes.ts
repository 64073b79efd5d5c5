// Axes of the training charts (uPlot, dark theme): steps as integers, values with as many decimals as the tick spacing
// needs (quantiser losses live around −0.002, where uPlot's default labels repeat).
import type uPlot from 'uplot'

const theme = { stroke: '#aab3c8', grid: { stroke: '#232a3a' }, ticks: { stroke: '#232a3a' } }
const stepIncrements = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]

export const stepAxis: uPlot.Axis = { ...theme, size: 30, incrs: stepIncrements }

export function valueAxis(over: uPlot.Axis = {}): uPlot.Axis {
  return { ...theme, size: 64, values: (_u, splits) => tickLabels(splits), ...over }
}

/** Labels with the decimals the spacing of the ticks needs: 2.5 apart → 1 decimal, 0.0002 apart → 4. */
export function tickLabels(splits: readonly number[]): string[] {
  const spacing = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1
  let decimals = 0
  while (decimals < 8 && Math.abs(Math.round(spacing * 10 ** decimals) - spacing * 10 ** decimals) > 1e-6 * 10 ** decimals) decimals++
  return splits.map((v) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-6) ? v.toExponential(1) : v.toFixed(decimals)))
}
