// One training run as the dashboard shows it: fed live by the run:* events and read back from its run folder
// (RunHistory: metrics.jsonl, samples, checkpoints, run.json). Series stay sorted by step; a (re)start at step s drops
// what an earlier process logged past s, as the engine does with metrics.jsonl.
import { SvelteMap } from 'svelte/reactivity'
import type {
  RgbPixels, RunCheckpointEvent, RunDoneEvent, RunErrorEvent, RunFileEntry, RunHistory, RunInfo, RunLosses, RunRequest, RunResumedEvent,
  RunSampleEvent, RunStage, RunStartEvent, RunStepEvent, RunValidationEvent,
} from '../../../../shared/protocol'
import { parseHistory, requestFromRunJson, stepOfCheckpoint } from './training-history.svelte'

export type RunStatus = 'starting' | 'training' | 'stopping' | 'paused' | 'stopped' | 'finished' | 'error' | 'interrupted-resuming' | 'history'

export interface StepRow {
  readonly step: number
  readonly losses: RunLosses // flow_loss, quantizer_loss, perceptual_loss, total_loss
  readonly lr: number
}

export interface ValidationRow {
  readonly step: number
  readonly psnr: number // dB
  readonly ssim: number
  readonly baselinePsnr: number // dB, every pixel of each image = its own mean colour
}

const LOG_LINES = 400 // log tail kept per run
const CACHED_SAMPLES = 24 // sample grids kept as pixels; older ones reload from the run folder
let nextKey = 1

export class TrainingRun {
  readonly key = `r${nextKey++}`
  dir = $state('') // the run folder (the engine's real path once known)
  runId = $state<string | null>(null) // the engine's id while a process trains it; a resume gets a new one
  request = $state.raw<RunRequest | null>(null) // what Resume sends again (with resume: true)
  status = $state<RunStatus>('starting')
  stage = $state<RunStage>('1a')
  step = $state(0)
  maxSteps = $state(0)
  itS = $state<number | null>(null)
  etaS = $state<number | null>(null)
  elapsedS = $state<number | null>(null)
  metrics = $state.raw<StepRow[]>([])
  validation = $state.raw<ValidationRow[]>([])
  bitBalance = $state.raw<readonly number[] | null>(null) // latest share of +1 per code bit
  sampleSteps = $state.raw<number[]>([])
  readonly samples = new SvelteMap<number, RgbPixels>()
  checkpoints = $state.raw<readonly RunFileEntry[]>([]) // newest first
  official = $state.raw<RunHistory['official']>(null) // an official trainer's run folder: read-only, nothing to resume here
  log = $state.raw<string[]>([])
  notices = $state.raw<string[]>([])
  error = $state('')
  stopIntent: 'pause' | 'stop' | null = null
  private crash: { step: number; reason: string } | null = null // an engine crash the next run:start resolves

  /** Paused, failed or being resumed by the host: it goes on with Resume (to the same max steps), not "Continue to N". */
  readonly resumable = $derived(['paused', 'error', 'interrupted-resuming'].includes(this.status))
  readonly active = $derived(['starting', 'training', 'stopping', 'interrupted-resuming'].includes(this.status))
  readonly label = $derived(this.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? (this.request?.out ?? 'run'))
  readonly latestSample = $derived(this.sampleSteps.at(-1) ?? null)

  /** The request Resume sends: the one that started it, else rebuilt from run.json; init never goes with resume. */
  resumeRequest(): RunRequest | null {
    if (!this.request) return null
    const { init: _i, initStateDict: _s, ...rest } = this.request
    return { ...rest, out: this.dir || rest.out, resume: true }
  }

  note(text: string): void {
    this.notices = [...this.notices, text]
  }

  attach(info: RunInfo): void {
    Object.assign(this, { runId: info.runId, dir: info.out, stage: info.stage, maxSteps: info.maxSteps, status: info.state })
    if (info.step > this.step) Object.assign(this, { step: info.step, itS: info.itS, etaS: info.etaS })
  }

  loadHistory(h: RunHistory): void {
    const parsed = parseHistory(h)
    this.dir = h.dir
    this.metrics = mergeByStep(parsed.metrics, this.metrics)
    this.validation = mergeByStep(parsed.validation, this.validation)
    this.bitBalance ??= parsed.bitBalance
    this.sampleSteps = [...new Set([...h.samples.map((s) => s.step), ...this.sampleSteps])].sort((a, b) => a - b)
    this.checkpoints = h.checkpoints
    this.official = h.official
    this.request ??= requestFromRunJson(h.run, h.dir)
    const last = this.metrics.at(-1)
    if (last && last.step > this.step) this.step = last.step
    if (parsed.maxSteps && !this.maxSteps) this.maxSteps = parsed.maxSteps
    this.elapsedS ??= parsed.elapsedS
    if (parsed.stage) this.stage = parsed.stage
    if (h.badLines) this.note(`${h.badLines} line(s) of metrics.jsonl did not parse (cut short by a kill)`)
  }

  onStart(e: RunStartEvent): void {
    this.resumedAt(e.step)
    Object.assign(this, { status: this.status === 'stopping' ? 'stopping' : 'training', step: e.step, maxSteps: e.maxSteps, stage: e.stage })
    this.metrics = this.metrics.filter((r) => r.step <= e.step)
    this.validation = this.validation.filter((r) => r.step <= e.step)
    this.sampleSteps = this.sampleSteps.filter((s) => s <= e.step)
    for (const step of [...this.samples.keys()]) if (step > e.step) this.samples.delete(step)
  }

  onStep(e: RunStepEvent): void {
    if (this.status === 'starting') this.status = 'training'
    Object.assign(this, { step: e.step, maxSteps: e.maxSteps, itS: e.itS, etaS: e.etaS, elapsedS: e.elapsedS })
    this.metrics = appendByStep(this.metrics, { step: e.step, losses: e.losses, lr: e.lr })
  }

  onSample(e: RunSampleEvent): void {
    this.putSample(e.step, { pixels: e.pixels, h: e.shape[0], w: e.shape[1] })
    if (!this.sampleSteps.includes(e.step)) this.sampleSteps = [...this.sampleSteps.filter((s) => s < e.step), e.step]
  }

  putSample(step: number, image: RgbPixels): void {
    this.samples.set(step, image)
    if (this.samples.size > CACHED_SAMPLES) this.samples.delete(Math.min(...this.samples.keys()))
  }

  onValidation(e: RunValidationEvent): void {
    this.validation = appendByStep(this.validation, { step: e.step, psnr: e.psnr, ssim: e.ssim, baselinePsnr: e.baselinePsnr })
    this.bitBalance = e.bitBalance
  }

  onCheckpoint(e: RunCheckpointEvent): void {
    this.checkpoints = [{ step: e.step, path: e.path }, ...this.checkpoints.filter((c) => c.step !== e.step)]
  }

  onLog(line: string): void {
    this.log = [...this.log.slice(-(LOG_LINES - 1)), line]
  }

  onDone(e: RunDoneEvent): void {
    this.step = e.step
    this.status = e.status === 'finished' ? 'finished' : this.stopIntent === 'stop' ? 'stopped' : 'paused'
    this.stopIntent = null
    Object.assign(this, { itS: null, etaS: null })
  }

  onError(e: RunErrorEvent): void {
    Object.assign(this, { itS: null, etaS: null, stopIntent: null })
    if (e.code === 'engine-exited') {
      this.status = 'interrupted-resuming'
      this.onLog(`engine exited at step ${this.step}: ${e.message}`)
      return
    }
    this.status = 'error'
    this.error = e.lastCheckpoint ? `${e.message} — Resume continues from ${e.lastCheckpoint}` : e.message
  }

  /** The host restarted the run after an engine crash; the notice names the step the new run:start reports. */
  onResumed(e: RunResumedEvent): void {
    this.crash = { step: this.step, reason: e.reason }
    const from = e.fromCheckpoint ? `resuming from checkpoint step ${stepOfCheckpoint(e.fromCheckpoint)}` : 'resuming from the newest checkpoint'
    this.note(`Engine crashed at step ${this.step} (${e.reason}); ${from}`)
    Object.assign(this, { runId: e.runId, status: 'starting', error: '' })
  }

  private resumedAt(step: number): void {
    if (!this.crash) return
    const from = step > 0 ? `resumed from checkpoint step ${step}` : 'no checkpoint was written yet: the run started over'
    this.notices = [...this.notices.slice(0, -1), `Engine crashed at step ${this.crash.step} (${this.crash.reason}); ${from}`]
    this.crash = null
  }
}

function appendByStep<R extends { step: number }>(rows: R[], row: R): R[] {
  return [...rows.filter((r) => r.step < row.step), row]
}

/** History rows, with the live rows that arrived past them kept. */
function mergeByStep<R extends { step: number }>(history: R[], live: R[]): R[] {
  const last = history.at(-1)?.step ?? -1
  return [...history, ...live.filter((r) => r.step > last)]
}
