// What the training worker (run-worker.ts) and the engine's run registry say to each other over the worker port.
import type { CheckpointEvent, RunOptions, RunSummary, SampleEvent, StepEvent, ValidationEvent } from '../train/run-options'

export interface RunWorkerData {
  readonly options: RunOptions
  readonly backend: string | undefined // the engine's requested tfjs backend
}

/** Worker → engine: the RunEvents callbacks as messages. */
export type WorkerMessage =
  | { readonly kind: 'start'; readonly step: number; readonly maxSteps: number }
  | { readonly kind: 'step'; readonly event: StepEvent }
  | { readonly kind: 'sample'; readonly event: Omit<SampleEvent, 'png'> }
  | { readonly kind: 'validation'; readonly event: ValidationEvent }
  | { readonly kind: 'checkpoint'; readonly event: CheckpointEvent }
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'done'; readonly summary: RunSummary }
  | { readonly kind: 'error'; readonly message: string; readonly code: string }

/** Engine → worker. */
export type EngineMessage = 'stop'
