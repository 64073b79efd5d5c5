// The engine's side of main's `host-grant` message: paths the user chose in a native dialog become readable
// (files.ts `allowRoot`). Only the process that started the engine can post on its port; the renderer cannot.
import { isHostGrant, type HostGrantReply } from '../../shared/payloads/desktop'
import type { RpcPort } from '../../shared/rpc'
import { allowRoot } from '../files'

/** Answers every host-grant on `port` with the real paths allowed; one bad path refuses the whole grant. */
export function serveHostGrants(port: RpcPort): () => void {
  return port.onMessage(async (message) => {
    if (!isHostGrant(message)) return
    let reply: HostGrantReply
    try {
      const paths: string[] = []
      for (const path of message.paths) paths.push(await allowRoot(path))
      reply = { kind: 'host-grant-reply', id: message.id, ok: true, paths }
    } catch (error) {
      reply = { kind: 'host-grant-reply', id: message.id, ok: false, message: (error as Error).message }
    }
    port.postMessage(reply)
  })
}
