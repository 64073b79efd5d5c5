// What every inspector computation reads: the open models and images, LPIPS on demand, and the job's hooks.
import type { ImageRegistry } from './image-registry'
import type { LpipsOnDemand } from './image-metrics'
import type { ModelRegistry } from './model-registry'

export interface InspectContext {
  readonly models: ModelRegistry
  readonly images: ImageRegistry
  readonly lpips: LpipsOnDemand
}

/** A job's cancellation signal and progress callback (src/trainer/jobs/jobs.ts `Jobs`). */
export interface JobHooks {
  readonly signal: AbortSignal
  readonly progress: (done: number, total: number, message: string) => void
}
