// The engine's active training runs: each in its own worker thread (run-worker.ts), its events forwarded as run:*
// pushes with the runId, its latest state kept for listRuns so a reopened window can reattach (a resumed run reports
// its checkpoint's step as firstStep and the checkpoint as lastCheckpoint from the start).
import { randomBytes } from 'node:crypto'
import type { Worker } from 'node:worker_threads'
import type { RunInfo, RunRequest, RunStarted } from '../../shared/payloads/runs'
import type { TrainerEvents } from '../../shared/protocol'
import { RpcError, type Emit } from '../../shared/rpc'
import { refuseIfLockedByOther } from '../output-lock'
import { RunDir, runFolderLock } from '../train/run-dir'
import { resumePoint } from './resume-point'
import { resolveRunRequest } from './run-request'
import { startRunWorker } from './worker-entry'
import type { EngineMessage, RunWorkerData, WorkerMessage } from './worker-messages'

interface ActiveRun {
  info: { -readonly [K in keyof RunInfo]: RunInfo[K] }
  readonly worker: Worker
}

const WORKER_EXIT_GRACE_MS = 10_000 // a finished worker that has not exited by then is terminated

export class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>()
  private nextId = 1
  private readonly idPrefix = `run-${randomBytes(3).toString('hex')}` // unique per engine: a restarted engine's ids never repeat

  constructor(private readonly emit: Emit<TrainerEvents>, private readonly backend: string | undefined) {}

  async start(req: RunRequest): Promise<RunStarted> {
    const options = await resolveRunRequest(req)
    this.refuseBusy(options.out) // before resumePoint may clear an earlier attempt's files
    await refuseIfLockedByOther(new RunDir(options.out).lock, options.out, runFolderLock).catch((e: Error) => { throw new RpcError(e.message, 'run-active') })
    const resumed = await resumePoint(options)
    this.refuseBusy(options.out)
    const runId = `${this.idPrefix}-${this.nextId++}`
    const worker = startRunWorker({ workerData: { options, backend: this.backend } satisfies RunWorkerData })
    const info: ActiveRun['info'] = {
      runId, out: options.out, stage: options.stage, engine: options.engine, state: 'starting', startedAt: new Date().toISOString(),
      firstStep: resumed?.step ?? 0, maxSteps: options.maxSteps, step: resumed?.step ?? 0, losses: null, itS: null, etaS: null,
      lastCheckpoint: resumed?.model ?? null, lastSampleStep: null,
    }
    this.runs.set(runId, { info, worker })
    worker.on('message', (m: WorkerMessage) => this.onMessage(runId, m))
    worker.on('error', (e) => this.end(runId, { kind: 'error', message: e.message, code: 'internal' }))
    worker.on('exit', (code) => this.end(runId, { kind: 'error', message: `the training worker exited (code ${code})`, code: 'worker-exited' }))
    return { runId }
  }

  stop(runId: string): boolean {
    const run = this.runs.get(runId)
    if (!run) return false
    run.info.state = 'stopping'
    run.worker.postMessage('stop' satisfies EngineMessage)
    return true
  }

  list(): RunInfo[] {
    return [...this.runs.values()].map((r) => ({ ...r.info }))
  }

  private refuseBusy(out: string): void {
    const busy = this.runIn(out)
    if (busy) throw new RpcError(`run ${busy} is already training in ${out}`, 'run-active')
  }

  /** The active run writing to `dir` (a real path), if any. */
  runIn(dir: string): string | null {
    for (const run of this.runs.values()) if (run.info.out === dir) return run.info.runId
    return null
  }

  private onMessage(runId: string, m: WorkerMessage): void {
    const run = this.runs.get(runId)
    if (!run) return
    const info = run.info
    if (m.kind === 'start') {
      Object.assign(info, { state: info.state === 'stopping' ? 'stopping' : 'training', firstStep: m.step, step: m.step, maxSteps: m.maxSteps })
      this.emit('run:start', { runId, step: m.step, maxSteps: m.maxSteps, stage: info.stage })
    } else if (m.kind === 'step') {
      const { step, maxSteps, lr, it_s, eta_s, elapsed_s, flow_loss, quantizer_loss, perceptual_loss, total_loss } = m.event
      const losses = { flow_loss, quantizer_loss, perceptual_loss, total_loss }
      Object.assign(info, { step, losses, itS: it_s, etaS: eta_s })
      this.emit('run:step', { runId, step, maxSteps, losses, lr, itS: it_s, stepMs: 1000 / Math.max(it_s, 1e-9), etaS: eta_s, elapsedS: elapsed_s })
    } else if (m.kind === 'sample') {
      info.lastSampleStep = m.event.step
      this.emit('run:sample', { runId, step: m.event.step, pixels: m.event.rgb, shape: [m.event.height, m.event.width, 3], path: m.event.path })
    } else if (m.kind === 'validation') {
      const e = m.event
      this.emit('run:validation', { runId, step: e.step, psnr: e.val_psnr, ssim: e.val_ssim, baselinePsnr: e.val_baseline_psnr, bitBalance: e.bit_balance })
    } else if (m.kind === 'checkpoint') {
      info.lastCheckpoint = m.event.path
      this.emit('run:checkpoint', { runId, ...m.event })
    } else if (m.kind === 'log') {
      this.emit('run:log', { runId, line: m.line })
    } else this.end(runId, m)
  }

  /** The run's one run:done or run:error; later exits of the same worker are ignored. */
  private end(runId: string, m: Extract<WorkerMessage, { kind: 'done' | 'error' }>): void {
    const run = this.runs.get(runId)
    if (!run) return
    this.runs.delete(runId)
    // The worker has closed its sessions before it reported the end and then exits by itself; terminating it at once
    // could cut a native finaliser short (onnxruntime then aborts the whole engine), so only a stuck one is ended.
    const stuck = setTimeout(() => void run.worker.terminate(), WORKER_EXIT_GRACE_MS)
    stuck.unref()
    run.worker.once('exit', () => clearTimeout(stuck))
    if (m.kind === 'done') this.emit('run:done', { runId, ...m.summary })
    else this.emit('run:error', { runId, message: m.message, code: m.code, lastCheckpoint: run.info.lastCheckpoint })
  }
}
