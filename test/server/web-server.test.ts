// flowmo serve's HTTP + WebSocket server on a real engine process: the token on every request (query, then cookie),
// Origin and path checks on the WebSocket upgrade, the protocol over binary frames, a 0.0.0.0 bind still gated.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { EngineSupervisor } from '../../src/server/engine-supervisor'
import { startWebServer, type WebServer } from '../../src/server/web-server'
import { decodeFrame, encodeFrame } from '../../src/shared/wire-frames'
import { testEngine } from '../fixtures/engine/test-api'

/** Sends raw bytes to the server and resolves with its status line. */
function rawStatusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let answer = ''
    socket.on('data', (data) => (answer += data))
    socket.on('end', () => resolve(answer.split('\r\n')[0]))
    socket.on('error', reject)
  })
}

/** Resolves with the HTTP status of a refused upgrade, or 101 once the socket opens. */
function upgradeStatus(url: string, headers: Record<string, string>, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, origin })
    socket.on('open', () => (socket.close(), resolve(101)))
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
    socket.on('error', reject)
  })
}

function callOver(socket: WebSocket, id: number, method: string, req: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const message = decodeFrame(new Uint8Array(data)) as Record<string, unknown>
      if (message.kind === 'reply' && message.id === id) (socket.off('message', onMessage), resolve(message))
    }
    socket.on('message', onMessage)
    socket.send(encodeFrame({ kind: 'call', id, method, req }))
  })
}

describe('web server', () => {
  let rendererDir: string
  let engine: EngineSupervisor
  let server: WebServer
  let cookie: string

  beforeAll(async () => {
    rendererDir = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-web-')))
    mkdirSync(join(rendererDir, 'assets'))
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>FlowMo Studio</title>')
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
    engine = new EngineSupervisor({ engine: testEngine, env: { FLOWMO_BACKEND: 'cpu' } })
    engine.start()
    server = await startWebServer({ port: 0, host: '127.0.0.1', rendererDir, engine })
  })
  afterAll(async () => {
    await server.close()
    await engine.stop()
    rmSync(rendererDir, { recursive: true, force: true })
  })

  it('prints a 127.0.0.1 URL with a long token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{22,}$`))
  })

  it('refuses requests without the token or with a wrong one', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/?token=wrong', `/?token=${server.token}x`]) {
      const response = await fetch(`${server.origin}${path}`)
      expect([401, 403], path).toContain(response.status)
      expect(await response.text()).not.toContain('FlowMo Studio</title>')
    }
  })

  it('serves the app with the token and sets a cookie that lets the assets load', async () => {
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>FlowMo Studio</title>')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const setCookie = page.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    cookie = setCookie.split(';')[0]
    const asset = await fetch(`${server.origin}/assets/app.js`, { headers: { cookie } })
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
  })

  it('refuses traversal, folder listings and writes even with the token', async () => {
    const headers = { cookie }
    for (const path of ['/..%2f..%2fetc%2fpasswd', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/', '/assets']) {
      expect((await fetch(`${server.origin}${path}`, { headers })).status, path).toBe(404)
    }
    expect((await fetch(`${server.origin}/`, { method: 'POST', headers })).status).toBe(405)
  })

  it('answers unparsable request URLs with 400 and keeps serving', async () => {
    const host = `Host: 127.0.0.1:${server.port}\r\nConnection: close\r\n`
    expect(await rawStatusLine(server.port, `GET //[bad HTTP/1.1\r\n${host}\r\n`)).toBe('HTTP/1.1 400 Bad Request')
    const upgrade = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`
    expect(await rawStatusLine(server.port, `GET //[bad HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${upgrade}\r\n`)).toBe('HTTP/1.1 404 Not Found')
    expect((await fetch(server.url)).status).toBe(200)
  })

  it('refuses WebSocket upgrades without the token, from another origin, or off /rpc', async () => {
    const rpc = `ws://127.0.0.1:${server.port}/rpc`
    expect(await upgradeStatus(rpc, {}, server.origin)).toBe(401)
    expect(await upgradeStatus(rpc, { cookie: `flowmo_token_${server.port}=wrong` }, server.origin)).toBe(401)
    expect(await upgradeStatus(rpc, { cookie }, 'http://evil.example')).toBe(403)
    expect(await upgradeStatus(rpc, { cookie })).toBe(403) // no Origin at all
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/other`, { cookie }, server.origin)).toBe(404)
    expect(await upgradeStatus(`${rpc}?token=${server.token}`, {}, server.origin)).toBe(101)
    expect(await upgradeStatus(rpc, { cookie }, server.origin)).toBe(101)
  })

  it('carries the protocol: typed arrays round-trip, bad requests are refused before the engine', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/rpc`, { headers: { cookie }, origin: server.origin })
    await new Promise((resolve) => socket.on('open', resolve))
    const echo = await callOver(socket, 1, 'echo', { text: 'x', bytes: Uint8Array.from([7, 8, 9]) })
    expect(echo).toMatchObject({ ok: true, value: { text: 'x', bytes: Uint8Array.from([7, 8, 9]), pid: engine.pid } })
    expect(await callOver(socket, 2, 'demoJob', { steps: 0, stepMs: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(await callOver(socket, 3, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    const closed = new Promise<number>((resolve) => socket.on('close', resolve))
    socket.send(Uint8Array.from([9, 0, 0, 0, 1])) // a malformed frame closes the connection
    expect(await closed).toBe(1007)
  })

  it('bound to 0.0.0.0 it still requires the token', async () => {
    const open = await startWebServer({ port: 0, host: '0.0.0.0', rendererDir, engine })
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
      expect([401, 403]).toContain((await fetch(open.origin)).status)
      expect((await fetch(open.url)).status).toBe(200)
    } finally {
      await open.close()
    }
  })
})
