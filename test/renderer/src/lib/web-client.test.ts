// The renderer's web-mode client in Node (the `ws` package stands in for the browser's WebSocket) against the real
// server and engine: calls with typed arrays, events, an engine restart, and reconnecting after the server restarts.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { connectWebClient, rpcUrlFor, type WebClient } from '../../../../src/renderer/src/lib/web-client'
import { tokenCookieFor } from '../../../../src/server/access'
import { EngineSupervisor } from '../../../../src/server/engine-supervisor'
import { startWebServer, type WebServer } from '../../../../src/server/web-server'
import type { EngineStateEvent, JobErrorEvent, TrainerEvents } from '../../../../src/shared/protocol'
import type { Bridge } from '../../../../src/shared/rpc'
import { testEngine, type TestApi } from '../../../fixtures/engine/test-api'

type TestClient = WebClient & Bridge<TestApi, TrainerEvents>

describe('web client', () => {
  let rendererDir: string
  let engine: EngineSupervisor
  let server: WebServer
  let client: TestClient
  const states: EngineStateEvent[] = []

  const nextState = (state: EngineStateEvent['state']) =>
    new Promise<EngineStateEvent>((resolve) => {
      const stop = client.on('engine:status', (event) => event.state === state && (stop(), resolve(event)))
    })

  beforeAll(async () => {
    rendererDir = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-client-')))
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>')
    engine = new EngineSupervisor({ engine: testEngine, env: { FLOWMO_BACKEND: 'cpu' } })
    engine.start()
    server = await startWebServer({ port: 0, host: '127.0.0.1', rendererDir, engine })
    const headers = { cookie: `${tokenCookieFor(server.port)}=${server.token}` } // what the browser sends after the first page load
    client = connectWebClient({
      url: rpcUrlFor(server.url),
      openSocket: (url) => new WebSocket(url, { headers, origin: server.origin }),
      retryMs: [50, 200],
      methods: testEngine.schemas,
    }) as TestClient
    client.on('engine:status', (event) => states.push(event))
  })
  afterAll(async () => {
    client.close()
    await server.close()
    await engine.stop()
    rmSync(rendererDir, { recursive: true, force: true })
  })

  it('derives the RPC URL from the page URL', () => {
    expect(rpcUrlFor('http://127.0.0.1:7450/?token=abc')).toBe('ws://127.0.0.1:7450/rpc')
    expect(rpcUrlFor('https://box.example/app/')).toBe('wss://box.example/rpc')
  })

  it('calls the engine with typed arrays and rejects bad requests with their code', async () => {
    const echo = await client.echo({ text: 'hello', bytes: Uint8Array.from([1, 2, 3]) })
    expect(echo).toEqual({ text: 'hello', bytes: Uint8Array.from([1, 2, 3]), pid: engine.pid })
    expect((await client.status()).backend).toBe('cpu')
    await expect(client.demoJob({ steps: -1, stepMs: 1 })).rejects.toMatchObject({ code: 'invalid-request' })
  })

  it('reports a killed engine through job:error and engine:status, then serves from the new engine', async () => {
    const failed = new Promise<JobErrorEvent>((resolve) => client.on('job:error', resolve))
    const progressed = new Promise((resolve) => client.on('job:progress', resolve))
    const { jobId } = await client.demoJob({ steps: 400, stepMs: 20 })
    await progressed
    const ready = nextState('ready')
    const pid = engine.pid!
    process.kill(pid, 'SIGKILL')
    expect(await failed).toMatchObject({ jobId, code: 'engine-exited' })
    await ready
    expect(states.map((s) => s.state).slice(-2)).toEqual(['restarting', 'ready'])
    expect((await client.echo({ text: 'again' })).pid).not.toBe(pid)
  })

  it('reconnects after the server itself restarts (same port and token) and calls succeed again', async () => {
    const lost = nextState('restarting')
    const port = server.port
    await server.close()
    expect((await lost).message).toMatch(/connection to flowmo serve lost/)
    const back = nextState('ready')
    server = await startWebServer({ port, host: '127.0.0.1', rendererDir, engine, token: server.token })
    await back
    expect((await client.echo({ text: 'back' })).text).toBe('back')
  })

  it('says the server is gone after repeated failed reconnects, and rejects calls meanwhile', async () => {
    const blocker = await startWebServer({ port: 0, host: '127.0.0.1', rendererDir, engine })
    const deadPort = blocker.port
    await blocker.close() // nothing listens there now
    const orphan = connectWebClient({ url: `ws://127.0.0.1:${deadPort}/rpc`, openSocket: (url) => new WebSocket(url), retryMs: [5, 20] })
    const stopped = new Promise<EngineStateEvent>((resolve) => orphan.on('engine:status', (e) => e.state === 'stopped' && resolve(e)))
    try {
      expect((await stopped).message).toMatch(/flowmo serve is not answering/)
      await expect(orphan.status()).rejects.toMatchObject({ code: 'engine-exited' })
    } finally {
      orphan.close()
    }
  })
})
