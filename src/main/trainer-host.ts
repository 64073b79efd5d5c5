// Runs the engine (src/trainer/index.ts) in an Electron utility process, restarts it when it crashes,
// and relays its events to every window (electron-vite guide/dev.md, "Utility Process").
import { BrowserWindow, utilityProcess, type UtilityProcess } from 'electron'
import { trainerMethods, type EngineStateEvent, type TrainerApi, type TrainerEvents } from '../shared/protocol'
import { createClient, isPush, RpcError, type Push, type RpcClient, type RpcPort } from '../shared/rpc'
import { pushChannel } from '../shared/ipc-channels'
import { RestartPolicy } from './restart-policy'

function utilityPort(child: UtilityProcess): RpcPort {
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage(listener) {
      child.on('message', listener)
      return () => void child.off('message', listener)
    },
  }
}

function broadcast(push: Push<TrainerEvents>): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(pushChannel, push)
}

export class TrainerHost {
  private child: UtilityProcess | null = null
  private client: RpcClient<TrainerApi, TrainerEvents> | null = null
  private stopping = false
  private readonly policy = new RestartPolicy()

  constructor(private readonly modulePath: string) {}

  start(): void {
    const child = utilityProcess.fork(this.modulePath, [], { serviceName: 'FlowMo engine', stdio: 'inherit' })
    this.child = child
    this.client = createClient<TrainerApi, TrainerEvents>(utilityPort(child), trainerMethods)
    child.on('message', (message) => isPush(message) && broadcast(message as Push<TrainerEvents>))
    child.on('exit', (code) => this.onExit(child, code))
  }

  /** Forwards one call to the engine; rejects with code 'engine-exited' when the engine is down. */
  call(method: keyof TrainerApi, req: unknown): Promise<unknown> {
    if (!this.client) return Promise.reject(new RpcError('the engine is not running', 'engine-exited'))
    return (this.client[method] as (req: unknown) => Promise<unknown>)(req)
  }

  stop(): void {
    this.stopping = true
    this.child?.kill()
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return
    this.client?.close(new RpcError(`the engine exited (code ${code})`, 'engine-exited'))
    this.client = null
    this.child = null
    if (this.stopping) return
    const decision = this.policy.onCrash(Date.now())
    const state: EngineStateEvent = decision.restart
      ? { state: 'restarting', message: `the engine exited (code ${code}); restarting (attempt ${decision.attempt})` }
      : { state: 'stopped', message: `the engine exited (code ${code}) ${decision.attempt} times in a row; restart the app` }
    broadcast({ kind: 'push', name: 'engine:status', payload: state })
    if (decision.restart) setTimeout(() => this.start(), decision.delayMs)
  }
}
