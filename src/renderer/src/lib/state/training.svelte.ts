// The Training section's document: every run this window knows (started here, reattached from the engine's listRuns,
// or opened from a folder), fed by the run:* events from module load on, so runs outlive section switches and reloads.
import type { RunRequest, TrainerEvents } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'
import { remember, remembered } from './remembered'
import { TrainingRun } from './training-run.svelte'

type RunEventName = 'run:start' | 'run:step' | 'run:sample' | 'run:validation' | 'run:checkpoint' | 'run:log' | 'run:done' | 'run:error'
type Orphan = { [K in RunEventName]: [K, TrainerEvents[K]] }[RunEventName]

const handlers: { [K in RunEventName]: (run: TrainingRun, e: TrainerEvents[K]) => void } = {
  'run:start': (run, e) => run.onStart(e),
  'run:step': (run, e) => run.onStep(e),
  'run:sample': (run, e) => run.onSample(e),
  'run:validation': (run, e) => run.onValidation(e),
  'run:checkpoint': (run, e) => run.onCheckpoint(e),
  'run:log': (run, e) => run.onLog(e.line),
  'run:done': (run, e) => run.onDone(e),
  'run:error': (run, e) => run.onError(e),
}

export class TrainingState {
  runs = $state.raw<TrainingRun[]>([])
  selectedKey = $state<string | null>(null)
  view = $state<'start' | 'run' | 'compare' | 'ablations'>('start')
  compareKeys = $state<[string | null, string | null]>([null, null])
  smoothing = $state(0.6) // EMA weight of the loss curves
  logY = $state(false)
  busy = $state('') // what a call in flight is doing
  error = $state('') // the last start / open failure, shown inline

  readonly selected = $derived(this.runs.find((r) => r.key === this.selectedKey) ?? null)
  private orphans: Orphan[] = [] // events of runIds not known yet (a startRun reply still on its way)
  private startsInFlight = 0
  private reattaching: Promise<void> | null = null

  constructor() {
    this.subscribe()
    engine.on('engine:status', (e) => {
      if (e.state === 'restarting') for (const run of this.runs) if (run.active) run.status = 'interrupted-resuming'
      if (e.state === 'ready') void this.reattach().then(() => this.reopenRemembered())
      if (e.state === 'stopped') for (const run of this.runs) if (run.active) Object.assign(run, { status: 'error', error: `${e.message}; Resume once the engine is back` })
    })
    void this.reattach().then(() => this.reopenRemembered())
  }

  byKey(key: string | null): TrainingRun | null {
    return this.runs.find((r) => r.key === key) ?? null
  }

  select(run: TrainingRun): void {
    this.selectedKey = run.key
    this.view = 'run'
  }

  /** Starts a new run; false (with `error` set) when the engine refused the request. */
  async start(req: RunRequest): Promise<boolean> {
    const run = new TrainingRun()
    run.request = req
    run.dir = req.out
    const started = await this.call('starting the run', () => this.startProcess(run, req))
    if (!started) return false
    this.setRuns([...this.runs.filter((r) => r.dir !== run.dir || r.active), run])
    this.select(run)
    return true
  }

  /** Both are stopRun (the engine writes a checkpoint at the step it reached). Pause offers Resume, to the same max
   *  steps; Stop ends the run, which a later "Continue to N steps" may extend from that checkpoint. */
  async stop(run: TrainingRun, intent: 'pause' | 'stop'): Promise<void> {
    if (!run.runId) return
    run.stopIntent = intent
    run.status = 'stopping'
    await this.call(intent === 'pause' ? 'pausing' : 'stopping', async () => {
      if (!(await engine.stopRun({ runId: run.runId! })).stopping) run.status = 'paused'
    })
  }

  /** Resume from the newest checkpoint; with `maxSteps`, to that step (a finished run goes on, later resumes keep it). */
  async resume(run: TrainingRun, maxSteps?: number): Promise<void> {
    const req = run.resumeRequest()
    if (!req) return void (run.error = 'run.json does not say where the training images are: start a new run on this folder instead')
    run.error = ''
    if (maxSteps !== undefined) run.request = { ...run.request!, maxSteps }
    await this.call('resuming', () => this.startProcess(run, maxSteps === undefined ? req : { ...req, maxSteps }))
  }

  /** Opens a run folder read-only; when a run of this engine is writing to it, the dashboard follows it live. */
  async openFolder(dir: string): Promise<void> {
    await this.call(`opening ${dir}`, async () => {
      const history = await engine.openRunFolder({ dir })
      const run = this.addHistory(history)
      if (history.activeRunId) await this.reattach()
      this.select(run)
    })
  }

  /** After a reload: the folders of the runs this page listed before (stopped ones included), read back as history. */
  private async reopenRemembered(): Promise<void> {
    for (const dir of remembered<string[]>('runs', [])) {
      if (this.runs.some((r) => r.dir === dir)) continue
      try {
        this.addHistory(await engine.openRunFolder({ dir }))
      } catch {
        // the folder was moved or deleted since: it is no longer listed
      }
    }
  }

  private addHistory(history: Awaited<ReturnType<typeof engine.openRunFolder>>): TrainingRun {
    const run = this.runs.find((r) => r.dir === history.dir) ?? new TrainingRun()
    run.loadHistory(history) // its dir known before setRuns remembers it
    if (!this.runs.includes(run)) {
      run.status = 'history'
      this.setRuns([...this.runs, run])
    }
    return run
  }

  /** The listed runs, their folders remembered for the next reload. */
  private setRuns(runs: TrainingRun[]): void {
    this.runs = runs
    remember('runs', runs.map((r) => r.dir).filter((d) => d !== ''))
  }

  /** A past sample grid from the run folder (live ones arrive as pixels with run:sample). */
  async loadSample(run: TrainingRun, step: number): Promise<void> {
    if (run.samples.has(step) || !run.dir) return
    try {
      const sample = await engine.runSample({ dir: run.dir, step })
      run.putSample(step, { pixels: sample.pixels, h: sample.shape[0], w: sample.shape[1] })
    } catch (e) {
      run.onLog(`sample of step ${step}: ${describeError(e)}`)
    }
  }

  /** Adopts the engine's active runs (after a reload, a reopened window or an engine restart) with their history. */
  reattach(): Promise<void> {
    this.reattaching ??= this.adoptActiveRuns().finally(() => (this.reattaching = null))
    return this.reattaching
  }

  private async adoptActiveRuns(): Promise<void> {
    try {
      for (const info of await engine.listRuns()) {
        const known = this.runs.find((r) => r.runId === info.runId || r.dir === info.out)
        const run = known ?? new TrainingRun()
        run.attach(info) // its dir known before setRuns remembers it
        if (!known) this.setRuns([...this.runs, run]) // listed now: its events from here on reach it
        run.loadHistory(await engine.openRunFolder({ dir: info.out }))
        if (!known) {
          this.selectedKey ??= run.key // shown once its history is in
          if (this.view === 'start' && this.runs.length === 1) this.view = 'run'
        }
      }
    } catch (e) {
      this.error = `reattaching to running trainings: ${describeError(e)}`
    }
  }

  private async startProcess(run: TrainingRun, req: RunRequest): Promise<void> {
    this.startsInFlight++
    try {
      run.status = 'starting'
      run.runId = (await engine.startRun(req)).runId
    } finally {
      this.startsInFlight--
    }
    const early = this.orphans.filter(([, p]) => p.runId === run.runId)
    this.orphans = this.orphans.filter((o) => !early.includes(o))
    for (const [name, payload] of early) this.dispatch(run, name, payload)
  }

  private async call(what: string, body: () => Promise<void>): Promise<boolean> {
    this.busy = what
    this.error = ''
    try {
      await body()
      return true
    } catch (e) {
      this.error = describeError(e)
      return false
    } finally {
      this.busy = ''
    }
  }

  private subscribe(): void {
    for (const name of Object.keys(handlers) as RunEventName[]) engine.on(name, (payload) => this.route([name, payload] as Orphan))
    engine.on('run:resumed', (e) => {
      const run = this.runs.find((r) => r.runId === e.previousRunId || r.dir === e.out)
      if (run) run.onResumed(e)
      else void this.reattach()
    })
  }

  private route([name, payload]: Orphan): void {
    const run = this.runs.find((r) => r.runId === payload.runId)
    if (run) return this.dispatch(run, name, payload)
    if (this.startsInFlight > 0) this.orphans = [...this.orphans.slice(-199), [name, payload] as Orphan]
    else if (name === 'run:start') void this.reattach() // a run started by another window
  }

  private dispatch(run: TrainingRun, name: RunEventName, payload: Orphan[1]): void {
    ;(handlers[name] as (run: TrainingRun, e: Orphan[1]) => void)(run, payload)
    if (name === 'run:done') void this.refreshFolder(run)
  }

  /** After a run ended: the folder's checkpoint list as keep-last left it. */
  private async refreshFolder(run: TrainingRun): Promise<void> {
    try {
      run.checkpoints = (await engine.openRunFolder({ dir: run.dir })).checkpoints
    } catch {
      // the list from the events stays
    }
  }
}

export const training = new TrainingState()
