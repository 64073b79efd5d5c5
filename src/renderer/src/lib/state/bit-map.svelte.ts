// Token bit-map: the code of the selected image, the bits the user flipped, the re-decode with the same noise,
// the sensitivity atlas and the per-bit balance over the open images.
import type { BitAtlasReport, CodeBalanceReport, DecodeRequest, FlipBitsReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { ForSelection } from './for-selection.svelte'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export class BitMapState {
  code = $state.raw<{ values: Float32Array; L: number; C: number; imageId: string } | null>(null)
  flips = $state.raw<ReadonlySet<number>>(new Set()) // token·C + bit
  private readonly decoded = new ForSelection<FlipBitsReport>()
  resultFlips = $state.raw<ReadonlySet<number>>(new Set()) // the flips `result` was decoded with
  private readonly atlasOf = new ForSelection<BitAtlasReport>()
  balance = $state.raw<CodeBalanceReport | null>(null)
  atlasSubset = $state(48) // bits to flip, every bit position in turn over tokens spread along the code; 0 = every bit (L·C decodes)
  error = $state('')
  private latest = 0

  /** The latest decode and atlas of the selected image; null for any other selection. */
  get result(): FlipBitsReport | null {
    return this.decoded.current
  }

  get atlas(): BitAtlasReport | null {
    return this.atlasOf.current
  }

  /** The code shown belongs to an image other than the selected one. */
  readonly stale = $derived(this.code !== null && this.code.imageId !== inspector.imageId)

  async load(): Promise<void> {
    const req = inspector.request
    if (!req) return
    this.flips = new Set()
    const { codeLength: L, contextDim: C } = inspector.model!
    this.code = null
    this.decoded.clear()
    const result = await this.decodeWith(req, new Set(), C)
    if (result) this.code = { values: result.code, L, C, imageId: req.imageId }
  }

  /** Flips (or unflips) one bit and re-decodes with the same noise. */
  async toggle(token: number, bit: number): Promise<void> {
    const C = this.code?.C ?? 0
    const next = new Set(this.flips)
    if (!next.delete(token * C + bit)) next.add(token * C + bit)
    this.flips = next
    await this.decode()
  }

  async clear(): Promise<void> {
    this.flips = new Set()
    await this.decode()
  }

  async decode(): Promise<void> {
    const req = inspector.request
    if (req && this.code && !this.stale) await this.decodeWith(req, this.flips, this.code.C)
  }

  /** Decodes with `flips`; a result that a newer request overtook is dropped (null). */
  private async decodeWith(req: DecodeRequest, flipSet: ReadonlySet<number>, C: number): Promise<FlipBitsReport | null> {
    const ticket = ++this.latest
    const key = inspector.selectionKey
    const flips = [...flipSet].map((i) => ({ token: Math.floor(i / C), bit: i % C }))
    let kept: FlipBitsReport | null = null
    await this.attempt(async () => {
      const result = await jobs.run<FlipBitsReport>('flip', () => engine.flipBits({ ...req, flips }))
      if (ticket !== this.latest) return
      this.decoded.set(key, (kept = result))
      this.resultFlips = flipSet
    })
    return kept
  }

  async runAtlas(): Promise<void> {
    const req = inspector.request
    if (!req) return
    const subset = this.atlasSubset > 0 ? { subset: this.atlasSubset } : {}
    const key = inspector.selectionKey
    await this.attempt(async () => this.atlasOf.set(key, await jobs.run<BitAtlasReport>('atlas', () => engine.bitAtlas({ ...req, ...subset }))))
  }

  async runBalance(): Promise<void> {
    const modelId = inspector.model?.modelId
    if (!modelId) return
    const imageIds = inspector.images.map((i) => i.imageId)
    await this.attempt(async () => (this.balance = await jobs.run<CodeBalanceReport>('balance', () => engine.codeBalance({ modelId, imageIds }))))
  }

  private async attempt(work: () => Promise<unknown>): Promise<void> {
    this.error = ''
    try {
      await work()
    } catch (error) {
      this.error = describeError(error)
    }
  }
}

export const bitMap = new BitMapState()
