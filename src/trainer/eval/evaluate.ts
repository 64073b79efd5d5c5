// `flowmo eval` as a function: scan the data, open the model on the fastest correct path and the metric networks,
// write the protocol card, look up the originals' cached features, run (resuming from the journal), then the JSON
// report and the per-image CSV.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { writeFileAtomic } from '../atomic-file'
import { lockOutput } from '../output-lock'
import { backendInfo } from '../backend'
import { scanImageFolder, scanNotices } from '../data/dataset'
import { openFastModel, type FastModel, type FastPathOptions, type PathChoice } from '../inference/fast-path'
import type { ModelSource } from '../inference/tf-model'
import type { Quantise } from '../metrics/images'
import { canonicalJson, hashFile } from '../metrics/protocol'
import { defaultStatsCacheDir, lookupReference } from '../metrics/reference-stats-cache'
import type { PsnrConvention } from '../metrics/psnr'
import type { SsimVariant } from '../metrics/ssim'
import type { SamplingConfig } from '../model/configs'
import { codeSize } from '../model/quantizer'
import type { NoiseKeying } from '../sample/noise'
import { datasetListingHash } from './dataset-hash'
import { evalCard, type EvalCard } from './eval-card'
import { runEval, type ImagesHook } from './eval-run'
import { journalPath, openJournal, type ImageRecord } from './journal'
import { openEvalNetworks, reportedMetrics, type EvalNetworks, type MetricName } from './networks'
import { evalReferenceKey, finishReference } from './reference'
import { buildReport, perImageCsv, reportJson, type EvalReport } from './report'
import { otherShardsImages, SHARD_FORMAT, writeShardFile, type Shard } from './shard'

export interface EvalOptions {
  readonly source: ModelSource
  readonly dataDir: string
  readonly n?: number // first N images of the sorted folder (default all)
  readonly sampling: Partial<SamplingConfig>
  readonly seed: number
  readonly noise?: NoiseKeying // default 'image': z0 keyed by each image's content (sample/noise.ts)
  readonly metrics: readonly MetricName[]
  readonly psnr: PsnrConvention // default per-image; 'batch-pooled' = the reference evaluate.py number
  readonly quantise: Quantise // default truncate, as the reference
  readonly ssim: SsimVariant // default skimage-default-7x7, as the reference
  readonly batchSize: number // default 5, as the reference
  readonly weightsDir?: string
  readonly statsCacheDir?: string | null // the originals' FID/KID features cache; default defaultStatsCacheDir(); null: off
  readonly jsonPath?: string // the report; the journal sits beside it (else in the temp folder, keyed by the card)
  readonly csvPath?: string
  readonly path?: PathChoice // inference path, default auto
  readonly openTfjs?: FastPathOptions['openTfjs']
  readonly onNotice?: (line: string) => void
  readonly onProgress?: (done: number, total: number) => void
  readonly onImages?: ImagesHook // each batch's originals and reconstructions (not those resumed from the journal)
  readonly signal?: AbortSignal // test hook and Ctrl-C: stop after the batch in flight, journal kept, no report
  readonly shard?: Shard // evaluate only this shard's batches and write a shard file to jsonPath (eval/shard.ts)
}

export interface EvalOutcome {
  readonly report: EvalReport | null // null when stopped before the last image
  readonly records?: readonly ImageRecord[] // the report's images, in order
  readonly journal: string
  readonly resumed: number // images taken from an earlier run's journal
  readonly shardFile?: string // a finished shard: where its records are (the report comes from `flowmo eval merge`)
}

export async function evalImages(o: EvalOptions, imageSizePx: number): Promise<string[]> {
  const scan = await scanImageFolder(o.dataDir, { imageSizePx })
  for (const line of scanNotices(scan)) o.onNotice?.(line)
  const paths = scan.usable.map((e) => e.path)
  if (o.n !== undefined && o.n > paths.length) o.onNotice?.(`--n ${o.n}: ${o.dataDir} has ${paths.length} usable images; evaluating all of them`)
  return o.n === undefined ? paths : paths.slice(0, o.n)
}

async function buildCard(o: EvalOptions, fast: FastModel, images: string[], nets: EvalNetworks): Promise<EvalCard> {
  const { model } = fast
  const device = 'device' in model && typeof model.device === 'string' ? model.device : (backendInfo()?.name ?? 'unknown')
  return evalCard({
    dataset: { path: resolve(o.dataDir), sha256: await datasetListingHash(o.dataDir, images), nImages: images.length },
    resolutionPx: model.config.imageSize,
    quantise: o.quantise, psnr: o.psnr, ssim: o.ssim,
    sampling: { ...model.config.sampling, ...o.sampling }, seed: o.seed, noise: o.noise ?? 'image',
    checkpoint: { path: resolve(o.source.checkpoint), sha256: await hashFile(o.source.checkpoint), weights: o.source.stateDict ?? 'ema', stateDict: model.info.stateDict },
    config: { source: model.info.configSource, sha256: o.source.config ? await hashFile(o.source.config) : null },
    inference: { path: fast.path, device },
    backend: fast.path === 'onnxruntime' ? `onnxruntime-node-${device}` : `tfjs-${device}`,
    network: nets.features?.network ?? null,
    lpips: nets.lpips.length > 0 ? nets.lpips.flatMap((m) => m.networks) : null,
    metricNetsBackend: nets.backend,
  })
}

const defaultJournal = (card: EvalCard): string =>
  join(tmpdir(), `flowmo-eval-${createHash('sha256').update(canonicalJson(card)).digest('hex').slice(0, 16)}.partial.jsonl`)

export async function evaluate(o: EvalOptions): Promise<EvalOutcome> {
  const fast = await openFastModel(o.source, { path: o.path, openTfjs: o.openTfjs, onNotice: o.onNotice, onProgress: (m) => o.onNotice?.(`export: ${m}`) })
  o.onNotice?.(fast.notice)
  const nets = await openEvalNetworks(o.metrics, o.weightsDir)
  try {
    return await evaluateOpened(o, fast, nets)
  } finally {
    for (const m of nets.lpips) m.dispose()
    nets.features?.dispose()
    await fast.model.dispose()
  }
}

async function evaluateOpened(o: EvalOptions, fast: FastModel, nets: EvalNetworks): Promise<EvalOutcome> {
  const images = await evalImages(o, fast.model.config.imageSize)
  const card = { ...(await buildCard(o, fast, images, nets)), ...(o.shard && { shard: o.shard }) }
  const journalFile = o.jsonPath ? journalPath(o.jsonPath) : defaultJournal(card)
  const unlock = await lockOutput(`${journalFile}.lock`, o.jsonPath ?? journalFile, { what: 'eval', alternative: '--json', onNotice: o.onNotice })
  try {
    return await evaluateLocked(o, fast, nets, images, card, journalFile)
  } finally {
    await unlock()
  }
}

/** The eval holding its output's lock: the journal, the images not in it yet, then report.json and per-image.csv. */
async function evaluateLocked(o: EvalOptions, fast: FastModel, nets: EvalNetworks, images: string[], card: EvalCard, journalFile: string): Promise<EvalOutcome> {
  const journal = await openJournal(journalFile, card)
  const resumed = journal.done.size
  if (resumed > 0) o.onNotice?.(`resuming: ${resumed} of ${images.length} images already in ${journalFile}`)
  const cache = { cacheDir: o.statsCacheDir === undefined ? defaultStatsCacheDir() : o.statsCacheDir, onNotice: o.onNotice }
  const key = images.length >= 2 && !o.shard ? evalReferenceKey(card) : null // FID/KID need two images; shards keep their originals' rows
  const hit = key && (await lookupReference(key, cache))
  const skip = o.shard && otherShardsImages(images.length, o.batchSize, o.shard)
  const records = await runEval({
    model: fast.model, images, sampling: o.sampling, seed: o.seed, noise: o.noise ?? 'image', quantise: o.quantise, ssimVariant: o.ssim, batchSize: o.batchSize,
    lpips: nets.lpips, features: nets.features, originalsCached: hit !== null, journal, skip: skip || undefined, onProgress: o.onProgress, onImages: o.onImages, signal: o.signal,
  })
  if (records.length < images.length - (skip ? skip.size : 0)) return { report: null, journal: journalFile, resumed }
  if (o.shard) return finishShard(o, o.shard, { card, records, fast, nets, journalFile, resumed })
  const reference = key && nets.features && (await finishReference({ key, hit, records, images, extractor: nets.features, batchSize: o.batchSize, cache }))
  const { codeLength: tokens, contextDim: bits, imageSize: imageSizePx } = fast.model.config
  const report = buildReport({
    records, card: reference ? { ...card, referenceStats: reference.use } : card,
    shape: { tokens, bits, imageSizePx, quantizer: fast.model.config.quantizer.kind, bitsPerToken: codeSize(fast.model.config).bitsPerToken },
    wanted: reportedMetrics(o.metrics), featuresAreProxy: nets.features?.isProxy ?? false, reference: reference?.reference ?? null, unavailable: nets.unavailable,
  })
  await writeOutputs(o, report, records)
  if (existsSync(journalFile)) await rm(journalFile)
  return { report, records, journal: journalFile, resumed }
}

interface Finished { card: EvalCard; records: Parameters<typeof perImageCsv>[0]; fast: FastModel; nets: EvalNetworks; journalFile: string; resumed: number }

async function finishShard(o: EvalOptions, shard: Shard, f: Finished): Promise<EvalOutcome> {
  if (!o.jsonPath) throw new Error('a shard needs --json <file>: that is where its records go')
  const { codeLength: tokens, contextDim: bits, imageSize: imageSizePx } = f.fast.model.config
  await writeShardFile(o.jsonPath, {
    format: SHARD_FORMAT, shard, protocol: { ...f.card, shard }, shape: { tokens, bits, imageSizePx }, wanted: [...reportedMetrics(o.metrics)],
    featuresAreProxy: f.nets.features?.isProxy ?? false, unavailable: f.nets.unavailable, nImages: f.records.length,
  }, f.records)
  if (o.csvPath) await writeFileAtomic(o.csvPath, perImageCsv(f.records))
  if (existsSync(f.journalFile)) await rm(f.journalFile)
  return { report: null, journal: f.journalFile, resumed: f.resumed, shardFile: o.jsonPath }
}

async function writeOutputs(o: EvalOptions, report: EvalReport, records: Parameters<typeof perImageCsv>[0]): Promise<void> {
  if (o.csvPath) await writeFileAtomic(o.csvPath, perImageCsv(records))
  if (o.jsonPath) await writeFileAtomic(o.jsonPath, reportJson(report)) // last: a report.json means a complete eval
}
