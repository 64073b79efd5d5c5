// The Training section's ablation tables (issue 19): the `flowmo ablate` outputs found at a folder (listAblations),
// one of them shown in the paper's layout. The folder is remembered across reloads.
import type { AblationListing, AblationOutput } from '../../../../shared/payloads/ablation'
import { describeError, engine } from '../engine'
import { remember, remembered } from './remembered'

export class AblationsState {
  folder = $state(remembered('ablations.folder', ''))
  listing = $state.raw<AblationListing | null>(null)
  selectedDir = $state<string | null>(null)
  busy = $state(false)
  error = $state('')

  readonly selected: AblationOutput | null = $derived(this.listing?.outputs.find((o) => o.dir === this.selectedDir) ?? this.listing?.outputs[0] ?? null)

  /** Lists the outputs at `folder`; the newest is shown unless the one shown before is still there. */
  async list(): Promise<void> {
    const dir = this.folder.trim()
    if (!dir) return
    this.busy = true
    this.error = ''
    try {
      this.listing = await engine.listAblations({ dir })
      remember('ablations.folder', dir)
      if (!this.listing.outputs.length) this.error = `no flowmo ablate output (table.json) in ${this.listing.dir} or the folders inside it`
    } catch (e) {
      this.error = describeError(e)
    } finally {
      this.busy = false
    }
  }
}

export const ablations = new AblationsState()
