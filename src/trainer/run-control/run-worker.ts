// Worker-thread entry of one training run: a step's kernels run on the thread that calls them (wasm, cpu) and would block
// the engine's event loop for a whole step, so the run lives here and posts its RunEvents to the engine
// (run-registry.ts); 'stop' ends it with a checkpoint.
import { parentPort, workerData } from 'node:worker_threads'
import { initBackend } from '../backend'
import { TrainingRun } from '../train/run'
import { NonFiniteLossError } from '../train/trainer'
import type { EngineMessage, RunWorkerData, WorkerMessage } from './worker-messages'

const port = parentPort!
const { options, backend } = workerData as RunWorkerData
const post = (message: WorkerMessage) => port.postMessage(message)

async function main(): Promise<void> {
  await initBackend(backend)
  const run = new TrainingRun(options, {
    onStart: (e) => post({ kind: 'start', step: e.step, maxSteps: e.maxSteps }),
    onStep: (event) => post({ kind: 'step', event }),
    onSample: ({ png: _png, ...event }) => post({ kind: 'sample', event }),
    onValidation: (event) => post({ kind: 'validation', event }),
    onCheckpoint: (event) => post({ kind: 'checkpoint', event }),
    onLog: (line) => post({ kind: 'log', line }),
    onDone: (summary) => post({ kind: 'done', summary }),
  })
  port.on('message', (message: EngineMessage) => {
    if (message === 'stop') run.stop()
  })
  await run.start()
}

main()
  .catch((e: unknown) => {
    const code = e instanceof NonFiniteLossError ? 'non-finite-loss' : 'internal'
    post({ kind: 'error', message: e instanceof Error ? e.message : String(e), code })
  })
  .finally(() => port.removeAllListeners('message')) // nothing keeps the thread alive; the engine also terminates it
