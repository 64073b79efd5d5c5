// Token map: what each token of the selected image's code controls (its bits replaced in turn, decoded with one
// noise), the pixel the user picked and the tokens that move it most; and token swap / mix with a second open image.
import type { MixTokensReport, TokenMapReport, TokenReplacement } from '../../../../shared/protocol'
import { tokensAt } from '../../../../shared/token-maps'
import { parseTokenSet } from '../../components/inspect/token-colours'
import { describeError, engine } from '../engine'
import { ForSelection } from './for-selection.svelte'
import { inspector } from './inspector.svelte'
import { jobs } from './jobs.svelte'

export class TokenMapState {
  replacement = $state<TokenReplacement>('null')
  otherImageId = $state<string | null>(null) // image B: the replacement's tokens, and the mix partner
  mixMode = $state<'first' | 'set'>('first')
  firstK = $state(8) // the first k tokens of A, the rest of B
  tokenSet = $state('0-3') // or a chosen set of A's tokens
  pixel = $state<{ y: number; x: number } | null>(null)
  error = $state('')
  private readonly mapOf = new ForSelection<TokenMapReport>()
  private readonly mixOf = new ForSelection<MixTokensReport>()

  get map(): TokenMapReport | null {
    return this.mapOf.current
  }

  get mix(): MixTokensReport | null {
    return this.mixOf.current
  }

  /** B: the chosen second image while it is open and not the selected one, else the first other open image. */
  get other(): string | null {
    const others = inspector.images.filter((i) => i.imageId !== inspector.imageId)
    return others.find((i) => i.imageId === this.otherImageId)?.imageId ?? others[0]?.imageId ?? null
  }

  /** The tokens that move the picked pixel most: [token, |Δ|], largest first. */
  readonly atPixel = $derived.by(() => {
    const map = this.map
    return map && this.pixel ? tokensAt(map.maps, map.L, map.S, this.pixel.y, this.pixel.x, 8) : []
  })

  async run(): Promise<void> {
    const req = inspector.request
    if (!req) return
    const other = this.other
    if (this.replacement === 'other' && !other) return void (this.error = 'replacing by another image’s tokens needs a second open image')
    await this.attempt(async () => {
      const key = inspector.selectionKey
      const report = await jobs.run<TokenMapReport>('token-map', () =>
        engine.tokenMap({ ...req, replacement: this.replacement, ...(this.replacement === 'other' && { otherImageId: other! }) }))
      this.mapOf.set(key, report)
      this.pixel = null
    })
  }

  async runMix(): Promise<void> {
    const req = inspector.request
    const other = this.other
    if (!req || !inspector.model) return
    if (!other) return void (this.error = 'token mix needs a second open image')
    await this.attempt(async () => {
      const L = inspector.model!.codeLength
      const fromA = this.mixMode === 'first' ? Array.from({ length: Math.min(L, Math.max(0, this.firstK)) }, (_, t) => t) : parseTokenSet(this.tokenSet, L)
      const key = inspector.selectionKey
      this.mixOf.set(key, await jobs.run<MixTokensReport>('mix', () => engine.mixTokens({ ...req, otherImageId: other, fromA })))
    })
  }

  private async attempt(work: () => Promise<void>): Promise<void> {
    this.error = ''
    try {
      await work()
    } catch (e) {
      this.error = describeError(e)
    }
  }
}

export const tokenMap = new TokenMapState()
