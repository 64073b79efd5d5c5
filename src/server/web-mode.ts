// Web mode as one piece: a current renderer build, the supervised engine (reading only the allowed roots) and the
// HTTP + WebSocket server in front of them. `flowmo serve` (src/cli/commands/serve.ts) runs it until Ctrl+C.
import { delimiter } from 'node:path'
import { allowRootsVariable } from '../trainer/files'
import { isLoopback } from './access'
import { EngineSupervisor } from './engine-supervisor'
import { ensureRendererBuild } from './renderer-build'
import { startWebServer, type WebServer } from './web-server'

export interface WebModeOptions {
  readonly port: number // 0: any free port
  readonly host: string // default 127.0.0.1
  readonly allowRoots: readonly string[] // absolute folders the engine may read, besides resources/
  readonly log: (line: string) => void
}

export interface WebMode {
  readonly server: WebServer
  readonly engine: EngineSupervisor
  close(): Promise<void>
}

/** Warning printed when the server is reachable from other machines. */
export function exposureWarning(host: string): string | null {
  if (isLoopback(host)) return null
  return (
    `warning: listening on ${host}: anyone who can reach this machine AND has the token can use the engine ` +
    'and read the allowed folders; traffic is plain HTTP (prefer an SSH tunnel to 127.0.0.1)'
  )
}

export async function startWebMode(options: WebModeOptions): Promise<WebMode> {
  const rendererDir = await ensureRendererBuild(options.log)
  const engine = new EngineSupervisor({ env: { [allowRootsVariable]: options.allowRoots.join(delimiter) }, log: options.log })
  engine.start()
  try {
    const server = await startWebServer({ port: options.port, host: options.host, rendererDir, engine })
    return {
      server,
      engine,
      async close() {
        await server.close()
        await engine.stop()
      },
    }
  } catch (error) {
    await engine.stop()
    throw error
  }
}
