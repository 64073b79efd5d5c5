// What the rate–distortion scatter plots on its y axis: PSNR (per image and mean), or a set metric over all images —
// rFID (the paper's Figure 1 axes) or the offline proxy FID — one point per method; which of them this result offers.
import { formatDb } from '../../lib/format'
import { formatMetric, higherIsBetter, metricLabel, metricTitle } from '../../../../shared/metrics'
import { floorCount, type CompareResult } from './compare-result'

export type ScatterY = 'psnr' | 'fid' | 'fid_proxy'

export interface ScatterChoice {
  readonly key: ScatterY
  readonly name: string // on the switch
  readonly reason: string // why it cannot be chosen ('' when it can): the report's `unavailable` text
}

export interface ScatterPoint {
  readonly id: string
  readonly name: string
  readonly colour: string
  readonly bpp: number
  readonly y: number
  readonly floors: number // images on which a codec could not go down to the target rate (its floor): 0 or 1 for one image
}

export interface ScatterSeries {
  readonly key: ScatterY
  readonly axisLabel: string // says which way is better
  readonly means: readonly ScatterPoint[] // one per method that has the metric
  readonly images: readonly Omit<ScatterPoint, 'id' | 'name'>[] // per image (PSNR only; FID exists for a set)
  readonly floors: boolean // some point sits at a codec's floor: the legend says what its mark means
  readonly format: (y: number) => string // for tooltips
}


/** 'PSNR (dB) ↑ higher is better', 'rFID ↓ lower is better'. */
const axisLabel = (key: ScatterY): string => `${metricTitle(key)} ${higherIsBetter(key) ? '↑ higher' : '↓ lower'} is better`

/** PSNR always; rFID and proxy FID when the comparison asked for them (unchoosable, with the reason, when they did not run). */
export function scatterChoices(result: CompareResult): ScatterChoice[] {
  const sets = (['fid', 'fid_proxy'] as const).flatMap((key): ScatterChoice[] => {
    if (result.methods.some((m) => key in m.metrics)) return [{ key, name: metricLabel(key), reason: '' }]
    return key in result.unavailable ? [{ key, name: metricLabel(key), reason: result.unavailable[key] }] : []
  })
  return [{ key: 'psnr', name: metricLabel('psnr'), reason: '' }, ...sets]
}

/** `wanted` when this result can plot it, else PSNR. */
export function scatterY(result: CompareResult, wanted: ScatterY): ScatterY {
  return scatterChoices(result).some((c) => c.key === wanted && !c.reason) ? wanted : 'psnr'
}

export function scatterSeries(result: CompareResult, key: ScatterY): ScatterSeries {
  if (key === 'psnr') {
    return {
      key, axisLabel: axisLabel(key),
      means: result.methods.map((m) => ({ id: m.id, name: m.name, colour: m.colour, bpp: m.meanBpp, y: m.meanPsnr, floors: floorCount(m) })),
      images: result.methods.flatMap((m) => m.tiles.map((t) => ({ colour: m.colour, bpp: t.bpp, y: t.psnr, floors: t.settings.belowFloor === true ? 1 : 0 }))),
      floors: result.methods.some((m) => floorCount(m) > 0),
      format: formatDb,
    }
  }
  return {
    key, axisLabel: axisLabel(key),
    means: result.methods.filter((m) => key in m.metrics).map((m) => ({ id: m.id, name: m.name, colour: m.colour, bpp: m.meanBpp, y: m.metrics[key], floors: floorCount(m) })),
    images: [],
    floors: result.methods.some((m) => key in m.metrics && floorCount(m) > 0),
    format: (y) => `${metricLabel(key)} ${formatMetric(key, y)}`,
  }
}
