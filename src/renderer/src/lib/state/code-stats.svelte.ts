// The Codes section's document (issue 16): which tokenizer and folder, and the last code-book diagnostics.
import type { CodeStatsReport, CodeStatsRequest } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { InspectorDefaults } from './inspector-defaults'
import { jobs } from './jobs.svelte'

export class CodeStatsState {
  form = $state({ checkpoint: '', config: '', data: '', limit: '64', group: '' })
  report = $state.raw<CodeStatsReport | null>(null)
  error = $state('')
  private readonly defaults = new InspectorDefaults()

  /** The inspector's model and its first image's folder (inspector-defaults.ts). */
  fillDefaults(): void {
    this.defaults.fillModelAndFolder(this.form)
  }

  async run(): Promise<void> {
    this.error = ''
    try {
      const request = this.request()
      this.report = await jobs.run<CodeStatsReport>('code-stats', () => engine.codeStats(request))
    } catch (e) {
      this.error = describeError(e)
    }
  }

  private request(): CodeStatsRequest {
    const f = $state.snapshot(this.form)
    if (!f.checkpoint.trim()) throw new Error('give a checkpoint')
    if (!f.data.trim()) throw new Error('give an image folder')
    const whole = (text: string, name: string): number | undefined => {
      if (!text.trim()) return undefined
      const v = Number(text)
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${text}"`)
      return v
    }
    const [limit, group] = [whole(f.limit, 'N'), whole(f.group, 'G')]
    return {
      model: { checkpoint: f.checkpoint.trim(), ...(f.config.trim() && { config: f.config.trim() }) }, data: f.data.trim(),
      ...(limit !== undefined && { limit }), ...(group !== undefined && { group }),
    }
  }
}

export const codeStats = new CodeStatsState()
