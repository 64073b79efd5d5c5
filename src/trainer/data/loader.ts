// Seeded batches, decoded ahead of the step that needs them: train = reshuffled every epoch, random crops, endless
// (the reference's RandomSampler draws with replacement instead); val = folder order, centre crops, one pass.
// Crops as the reference's data.py: T.RandomCrop / T.CenterCrop after T.Resize.
import { DatasetError, type SkippedFile } from './dataset'
import { augmentedCrop, type Augmentation } from './augment'
import { decodeImage, loadImageTensor, toModelInput } from './images'
import { Rng, permutation } from './rng'

export interface Batch {
  readonly x: Float32Array // [B, 3, S, S] in [−1, 1], NCHW
  readonly shape: readonly [number, number, number, number]
  readonly paths: readonly string[] // one per image, in batch order
}

/** Where a loader stands: every batch is a pure function of (seed, item cursor), so this is all a resume needs. */
export interface LoaderState {
  readonly seed: number
  readonly numImages: number
  readonly nextItem: number // index into the endless item stream (train) or the folder (val)
}

export interface BatchLoaderConfig {
  paths: readonly string[] // usable images, e.g. scan.usable.map((e) => e.path)
  imageSizePx: number // crop size S, e.g. 256
  batchSize: number // B, e.g. 8
  seed: number // e.g. 0; item order and crops depend on nothing else
  split: 'train' | 'val' // train: reshuffled every epoch, random crops, endless; val: in order, centre crops, one pass
  prefetch?: number // batches decoded ahead of the consumer (default 2)
  onSkip?: (skipped: SkippedFile) => void // a file that fails at load time (deleted, damaged since the scan)
  resume?: LoaderState // continue a previous loader's stream
  augment?: Augmentation // train only: scaled crops and flips from the decoded image instead of resize + random crop
}

// independent streams under one seed
const ORDER_STREAM = 1
const CROP_STREAM = 2

export class BatchLoader implements AsyncIterable<Batch> {
  private readonly queue: Promise<{ batch: Batch | null; end: number }>[] = []
  private tail: Promise<number>
  private consumed: number
  private readonly failed = new Set<string>()
  private epochOrder: { epoch: number; order: Int32Array } | null = null

  constructor(private readonly cfg: BatchLoaderConfig) {
    const n = cfg.paths.length
    if (n === 0) throw new Error('BatchLoader needs at least one image')
    if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new Error(`batchSize must be ≥ 1, got ${cfg.batchSize}`)
    const r = cfg.resume
    if (r && (r.seed !== cfg.seed || r.numImages !== n)) {
      throw new Error(`cannot resume: state is for seed ${r.seed} and ${r.numImages} images, loader has seed ${cfg.seed} and ${n}`)
    }
    this.consumed = r?.nextItem ?? 0
    this.tail = Promise.resolve(this.consumed)
  }

  /** The state after the last batch handed out by next(); prefetched batches are not counted. */
  state(): LoaderState {
    return { seed: this.cfg.seed, numImages: this.cfg.paths.length, nextItem: this.consumed }
  }

  /** The next batch, or null when a validation pass is over (training never ends). */
  async next(): Promise<Batch | null> {
    while (this.queue.length < Math.max(1, this.cfg.prefetch ?? 2)) this.schedule()
    const { batch, end } = await this.queue.shift()!
    this.consumed = end
    this.schedule()
    return batch
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (let b = await this.next(); b; b = await this.next()) yield b
  }

  /** Queue one batch load; it starts from where the previously queued load ended. */
  private schedule(): void {
    const loaded = this.tail.then((start) => this.loadBatch(start))
    this.tail = loaded.then((l) => l.end)
    // a failure surfaces when next() awaits it, never as an unhandled rejection of a prefetch
    loaded.catch(() => {})
    this.tail.catch(() => {})
    this.queue.push(loaded)
  }

  /** Path and crop rng of item g of the stream. */
  private item(g: number): { path: string; rng?: Rng } {
    const n = this.cfg.paths.length
    if (this.cfg.split === 'val') return { path: this.cfg.paths[g] }
    const epoch = Math.floor(g / n)
    if (this.epochOrder?.epoch !== epoch) {
      this.epochOrder = { epoch, order: permutation(n, Rng.fromSeed(this.cfg.seed, ORDER_STREAM, epoch)) }
    }
    return { path: this.cfg.paths[this.epochOrder.order[g % n]], rng: Rng.fromSeed(this.cfg.seed, CROP_STREAM, g) }
  }

  private async loadItem({ path, rng }: { path: string; rng?: Rng }): Promise<Float32Array | null> {
    if (this.failed.has(path)) return null
    try {
      const { imageSizePx: S, augment } = this.cfg
      if (rng && augment) return toModelInput(augmentedCrop(await decodeImage(path), S, rng, augment).rgb, S, S)
      return await loadImageTensor(path, S, rng ? 'random' : 'center', rng)
    } catch (e) {
      this.failed.add(path)
      this.cfg.onSkip?.({ path, reason: 'corrupt or truncated', detail: `failed at load time: ${e instanceof Error ? e.message : e}` })
      return null
    }
  }

  /** Items from `start` on until B images decoded (fewer at the end of a val pass); failed items are passed over. */
  private async loadBatch(start: number): Promise<{ batch: Batch | null; end: number }> {
    const { batchSize: B, imageSizePx: S, paths } = this.cfg
    const limit = this.cfg.split === 'val' ? paths.length : Infinity
    const xs: Float32Array[] = []
    const used: string[] = []
    let g = start
    while (xs.length < B && g < limit) {
      const picks = Array.from({ length: Math.min(B - xs.length, limit - g) }, (_, i) => this.item(g + i))
      const loaded = await Promise.all(picks.map((p) => this.loadItem(p)))
      for (let i = 0; i < picks.length; i++) {
        const x = loaded[i]
        if (x) {
          xs.push(x)
          used.push(picks[i].path)
        }
      }
      g += picks.length
      if (this.failed.size >= paths.length) throw new DatasetError('the training set', [], `all ${paths.length} images failed at load time`)
    }
    if (xs.length === 0) return { batch: null, end: g }
    const x = new Float32Array(xs.length * 3 * S * S)
    xs.forEach((xi, i) => x.set(xi, i * 3 * S * S))
    return { batch: { x, shape: [xs.length, 3, S, S], paths: used }, end: g }
  }
}
