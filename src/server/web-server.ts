// Web mode's HTTP server: the built renderer as static files and the RPC WebSocket at /rpc, every request gated
// by the access token (src/server/access.ts). Architecture §1 "Web mode".
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { AccessGate, isLoopback, newAccessToken, requestUrl } from './access'
import type { EngineLink } from './engine-supervisor'
import { attachRpcSocket } from './rpc-socket'
import { sendText, serveStatic } from './static-files'

export interface WebServerOptions {
  readonly port: number // 0: any free port
  readonly host: string // e.g. '127.0.0.1'; anything else is reachable from other machines
  readonly rendererDir: string // real path of the built renderer (ensureRendererBuild)
  readonly engine: EngineLink
  readonly token?: string // default: newAccessToken()
}

export interface WebServer {
  readonly url: string // what the user opens: http://127.0.0.1:<port>/?token=<token>
  readonly origin: string // http://127.0.0.1:<port>
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

export const rpcPath = '/rpc'
const maxFrameBytes = 256 * 2 ** 20 // one call's payload, e.g. a batch of images

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`)
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`) : error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}

/** The address to print: loopback for wildcard binds, brackets for IPv6. */
function shownHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1'
  return address.family === 'IPv6' ? `[${address.address}]` : address.address
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newAccessToken()
  const gate = new AccessGate(token, isLoopback(options.host))
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes })
  const server = createServer((request, response) => {
    const admission = gate.admit(request)
    if (!admission.ok) return sendText(response, admission.status, admission.reason)
    const cookie: Record<string, string> = admission.viaQuery ? { 'Set-Cookie': gate.sessionCookie() } : {}
    serveStatic(options.rendererDir, request, response, cookie).catch(() => sendText(response, 500, 'internal error'))
  })
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    if (requestUrl(request)?.pathname !== rpcPath) return refuseUpgrade(socket, 404, 'not found')
    const admission = gate.admitUpgrade(request)
    if (!admission.ok) return refuseUpgrade(socket, admission.status, admission.reason)
    sockets.handleUpgrade(request, socket, head, (ws) => attachRpcSocket(ws, options.engine))
  })
  const address = await listen(server, options.port, options.host)
  gate.listeningOn(address.port, shownHost(address))
  const origin = `http://${shownHost(address)}:${address.port}`
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: address.port,
    token,
    async close() {
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
