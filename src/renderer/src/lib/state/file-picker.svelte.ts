// Web-mode file picker: browse the folders the engine may read, starting at the allowed roots.
import type { FileListing } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'

export class FilePickerState {
  listing = $state.raw<FileListing | null>(null)
  trail = $state.raw<string[]>([]) // folders opened from the roots down; empty = the roots
  error = $state('')

  async enter(dir: string): Promise<void> {
    if (await this.list(dir)) this.trail = [...this.trail, dir]
  }

  async up(): Promise<void> {
    const trail = this.trail.slice(0, -1)
    if (await this.list(trail.at(-1))) this.trail = trail
  }

  roots(): Promise<boolean> {
    this.trail = []
    return this.list(undefined)
  }

  private async list(dir: string | undefined): Promise<boolean> {
    this.error = ''
    try {
      this.listing = await engine.listFiles(dir === undefined ? {} : { dir })
      return true
    } catch (error) {
      this.error = describeError(error)
      return false
    }
  }
}
