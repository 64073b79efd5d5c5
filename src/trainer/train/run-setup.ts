// Everything a run needs before its first step: the scanned data (a folder with no usable image fails here, before
// training), the fixed validation images, and the starting weights — a resume, an --init checkpoint, or a fresh init.
import * as tf from '@tensorflow/tfjs-core'
import { openWeights } from '../checkpoint/checkpoint'
import { scanImageFolder, scanNotices, type ImageFolderScan } from '../data/dataset'
import { loadImageTensor } from '../data/images'
import { FlowMo } from '../model/flowmo'
import { initWeights } from '../model/init'
import { loadWeightMap, type WeightMap } from '../model/weights'
import { loadCheckpoint, type SavedCheckpoint } from './checkpointing'
import type { RunDir } from './run-dir'
import type { RunOptions } from './run-options'

export interface RunData {
  train: ImageFolderScan
  valX: Float32Array // [n, 3, S, S] centre crops, the first n usable validation images
  valCount: number
}

export async function prepareData(opts: RunOptions, imageSizePx: number, log: (line: string) => void): Promise<RunData> {
  const train = await scanImageFolder(opts.data, { imageSizePx })
  for (const line of scanNotices(train)) log(line)
  log(`training images: ${train.usable.length} usable in ${opts.data}${train.skipped.length ? `, ${train.skipped.length} skipped` : ''}`)
  const val = opts.val ? await scanImageFolder(opts.val, { imageSizePx }) : train
  if (opts.val) for (const line of scanNotices(val)) log(line)
  const picked = val.usable.slice(0, opts.valImages)
  const valX = new Float32Array(picked.length * 3 * imageSizePx * imageSizePx)
  for (const [i, e] of picked.entries()) valX.set(await loadImageTensor(e.path, imageSizePx, 'center'), i * valX.length / picked.length)
  return { train, valX, valCount: picked.length }
}

export interface StartingPoint {
  model: FlowMo
  weights: WeightMap
  step: number
  resumed: SavedCheckpoint | null
}

/** Resume (newest complete checkpoint, its config wins) › --init weights › fresh seeded init. */
export async function startingPoint(opts: RunOptions, dir: RunDir, log: (line: string) => void): Promise<StartingPoint> {
  if (!opts.resume) {
    const earlier = await dir.earlierRun()
    if (earlier) throw new Error(`${earlier}: continue it with --resume, or choose a new --out folder`)
  }
  if (opts.resume) {
    const files = await dir.newestValidCheckpoint((f, why) => log(`skipping checkpoint ${f.model}: ${why}`))
    if (files) {
      const saved = await loadCheckpoint(files)
      if (saved.stage !== opts.stage) throw new Error(`${files.model} is a Stage-${saved.stage.toUpperCase()} checkpoint: it cannot continue as Stage ${opts.stage.toUpperCase()}`)
      const model = new FlowMo(saved.config)
      log(`resuming from ${files.model} (step ${saved.step})`)
      return { model, weights: variablesFrom(model, saved.raw), step: saved.step, resumed: saved }
    }
    log(`no complete checkpoint in ${dir.checkpoints}; starting over from step 0`)
    await dir.clearRecords()
  }
  const model = new FlowMo(opts.config)
  if (opts.init) {
    const w = await openWeights(opts.init, { stateDict: opts.initStateDict ?? 'raw' })
    try {
      log(`initialising from ${opts.init} (${w.stateDictKey ?? 'state dict'}); fresh EMA and optimiser`)
      return { model, weights: await loadWeightMap(model, w, true), step: 0, resumed: null }
    } finally {
      await w.close()
    }
  }
  return { model, weights: initWeights(model, opts.seed), step: 0, resumed: null }
}

function variablesFrom(model: FlowMo, values: ReadonlyMap<string, Float32Array>): WeightMap {
  const map: WeightMap = new Map()
  for (const ref of model.parameters()) {
    const data = values.get(ref.name)
    if (!data) throw new Error(`checkpoint has no weight ${ref.name}`)
    map.set(ref.name, tf.tidy(() => tf.variable(tf.tensor(data, [...ref.shape]), true)))
  }
  return map
}
