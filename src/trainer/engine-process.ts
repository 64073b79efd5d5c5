// Serving an engine in its own process: over Electron's utility-process parentPort (electron-vite `?modulePath`,
// guide/dev.md) or over a Node child_process IPC channel (`fork`: web mode, tests). src/trainer/index.ts is the entry.
import type { TrainerEvents } from '../shared/protocol'
import { pushTo, serve, type Emit, type RpcPort, type Schemas } from '../shared/rpc'
import { serveHostGrants } from './inspect/host-grants'

/** Electron's `process.parentPort`, typed here so that the engine never imports electron. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void
  off(event: 'message', listener: (event: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

function parentPortAdapter(parentPort: ParentPort): RpcPort {
  return {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage(listener) {
      const onEvent = (event: { data: unknown }) => listener(event.data)
      parentPort.on('message', onEvent)
      return () => parentPort.off('message', onEvent)
    },
  }
}

function childProcessAdapter(): RpcPort {
  return {
    postMessage: (message) => void process.send?.(message),
    onMessage(listener) {
      process.on('message', listener)
      return () => void process.off('message', listener)
    },
  }
}

function enginePort(): RpcPort {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort
  if (parentPort) return parentPortAdapter(parentPort)
  if (process.send) return childProcessAdapter()
  throw new Error('the engine must be started by Electron (utilityProcess.fork) or by child_process.fork')
}

/** Serves `service(emit)` on this process's port, validating every call against `schemas`, then announces 'ready'. */
export function serveEngine<Api extends object>(service: (emit: Emit<TrainerEvents>) => Api, schemas: Schemas<Api>): void {
  // A terminal's Ctrl+C reaches the whole process group; the host decides when the engine ends (it stops training runs
  // with a checkpoint first, then sends SIGTERM), so the engine does not die mid-step with its parent's SIGINT.
  process.on('SIGINT', () => undefined)
  const port = enginePort()
  const emit = pushTo<TrainerEvents>(port)
  serveHostGrants(port) // main's native-dialog choices (src/main/trainer-host.ts `allowRoots`)
  serve(port, service(emit), schemas)
  emit('engine:status', { state: 'ready', message: `engine ready (pid ${process.pid})` })
}
