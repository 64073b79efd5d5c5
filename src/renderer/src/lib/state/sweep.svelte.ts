// The Sweeps section's document (issue 7): the form, a running sweep's originals and cells as sweep:originals and
// sweep:cell push them (mosaic and curves grow while it runs), the finished SweepReport with its best marks, or one reopened from a saved JSON; the chosen cell
// and image of the image grid. A sweep saved to a JSON resumes: cancelled, it keeps its scored cells in a journal and
// the same request again takes them from it (sweep:cell `resumed`).
import type { SweepCellEvent, SweepCellReport, SweepOriginalsEvent, SweepReport } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { fileName } from '../format'
import { jobs } from './jobs.svelte'
import { SweepFormState } from './sweep-form.svelte'

/** The job label (progress bar and cancel button). */
export const SWEEP_JOB = 'sweep'

export type SweepCell = SweepCellReport & { readonly best?: readonly string[] }
type SweepPush = SweepCellEvent | SweepOriginalsEvent

export class SweepState {
  readonly form = new SweepFormState()
  cells = $state.raw<(SweepCell | null)[]>([]) // grid order; null until scored
  resumed = $state(0) // cells of the running or finished sweep taken from an earlier run's journal
  result = $state.raw<SweepReport | null>(null) // the finished or reopened sweep
  images = $state.raw<SweepReport['images']>([]) // the sweep's images with the grid's originals: live, then the result's
  origin = $state('') // where the shown sweep is: the JSON the run wrote, or the file reopened
  error = $state('')
  notices = $state.raw<string[]>([])
  running = $state(false)
  cell = $state(0) // chosen cell of the image grid
  image = $state(0) // chosen image (index in the sweep) of the mosaic
  private jobId: string | null = null
  private early: SweepPush[] = [] // pushes that came before the job's id

  constructor() {
    engine.on('sweep:originals', (event) => this.receive(event))
    engine.on('sweep:cell', (event) => this.receive(event))
  }

  async run(): Promise<void> {
    const request = this.form.request
    if (!request || this.running) return
    this.reset('', Array.from({ length: this.form.cellCount }, () => null)) // a row per cell to come
    this.running = true
    try {
      const report = await jobs.run<SweepReport>(SWEEP_JOB, () => engine.sweep(request), (jobId) => this.started(jobId))
      this.show(report, request.out ? `saved to ${request.out}` : 'not saved (no output JSON given)')
    } catch (e) {
      const cancelled = (e as { code?: string } | null)?.code === 'cancelled'
      this.error = cancelled ? this.cancelledText(request.out !== undefined) : `sweep failed: ${describeError(e)}`
      if (this.cells.every((c) => c === null)) this.cells = [] // nothing to show but the error
    } finally {
      this.running = false
      this.jobId = null
    }
  }

  async open(path: string): Promise<void> {
    if (this.running || !path.trim()) return
    this.reset('', [])
    try {
      const opened = await engine.openSweep({ path: path.trim() })
      this.notices = [...opened.notices]
      this.show(opened.result, `opened ${opened.path}`)
    } catch (e) {
      this.error = `could not open ${path.trim()}: ${describeError(e)}`
    }
  }

  private cancelledText(journalled: boolean): string {
    const scored = this.cells.filter((c) => c !== null).length
    if (!journalled || scored === 0) return 'sweep cancelled: the cells scored so far stay shown'
    return `sweep cancelled after ${scored} of ${this.cells.length} cells — run the same sweep again to resume`
  }

  /** The file name of image `index`, as its per-image rows and buttons show it. */
  fileName(index: number): string {
    const path = this.images.find((i) => i.index === index)?.path
    return path ? fileName(path) : `image ${index}`
  }

  /** The original of image `index` as a data URL, when the sweep kept it. */
  original(index: number): string | null {
    const ref = this.images.find((i) => i.index === index)?.original
    return ref && 'png' in ref ? `data:image/png;base64,${ref.png}` : null
  }

  private reset(origin: string, cells: (SweepCell | null)[]): void {
    this.error = ''
    this.resumed = 0
    this.notices = []
    this.result = null
    this.images = []
    this.origin = origin
    this.cells = cells
    this.cell = 0
    this.image = 0
  }

  private started(jobId: string): void {
    this.jobId = jobId
    for (const event of this.early.filter((e) => e.jobId === jobId)) this.receive(event)
    this.early = []
  }

  private receive(event: SweepPush): void {
    if (!this.running) return
    if (this.jobId === null) return void this.early.push(event)
    if (event.jobId !== this.jobId) return
    if ('images' in event) return void ((this.images = event.images), (this.notices = [...event.notices]))
    const cells = [...this.cells]
    cells[event.index] = event.cell
    if (event.resumed) this.resumed++
    this.cells = cells
  }

  private show(report: SweepReport, origin: string): void {
    this.result = report
    this.images = report.images
    this.cells = [...report.cells]
    this.origin = origin
    const best = report.best.psnr?.cell
    if (best !== undefined) this.cell = best
    this.image = report.images[0]?.index ?? 0
  }
}

export const sweep = new SweepState()
