// What every engine job receives: the cancel signal and a progress reporter (jobs/jobs.ts's Jobs turn them into
// job:progress / job:error 'cancelled'); plus the request's model file through the file policy.
import type { ModelFile } from '../../shared/payloads/jobs'
import type { ModelSource } from '../inference/tf-model'
import { readable, readableOrUndefined } from './paths'

export interface JobContext {
  readonly signal: AbortSignal
  readonly progress: (done: number, total: number, message: string) => void
}

export async function modelSource(model: ModelFile): Promise<ModelSource> {
  return { checkpoint: await readable(model.checkpoint), config: await readableOrUndefined(model.config), stateDict: model.stateDict }
}
