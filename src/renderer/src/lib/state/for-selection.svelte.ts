// A view's latest report, kept with the model and image it was made for and shown only while they are still the
// selected ones: picking another thumbnail (or model) never leaves the previous image's panes and numbers on screen.
import { inspector } from './inspector.svelte'

export class ForSelection<T> {
  private entry = $state.raw<{ key: string; value: T } | null>(null)

  /** The value, while its model and image are the selected ones; else null. */
  readonly current = $derived(this.entry && this.entry.key === inspector.selectionKey ? this.entry.value : null)

  /** Keeps `value` for the selection `key` (inspector.selectionKey when the work started). */
  set(key: string, value: T): void {
    this.entry = { key, value }
  }

  clear(): void {
    this.entry = null
  }
}
