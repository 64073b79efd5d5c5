// RPC between two real processes: calls, typed arrays, events, validation, errors, cancellation, engine exit.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createClient, isReply, RpcError, type Reply, type RpcClient, type RpcPort } from '../../src/shared/rpc'
import { counterMethods, type CounterApi, type CounterEvents } from './fixtures/counter-api'
import { workMs } from '../fixtures/work-wait'

const serverPath = fileURLToPath(new URL('./fixtures/counter-server.ts', import.meta.url))

function childPort(child: ChildProcess): RpcPort {
  return {
    postMessage: (message) => void child.send(message as never),
    onMessage(listener) {
      child.on('message', listener)
      return () => void child.off('message', listener)
    },
  }
}

/** Sends one raw wire message and resolves with the reply carrying its id. */
function rawCall(child: ChildProcess, message: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (isReply(m) && m.id === message.id) {
        child.off('message', onMessage)
        resolve(m)
      }
    }
    child.on('message', onMessage)
    child.send(message as never)
  })
}

describe('rpc across processes', () => {
  let child: ChildProcess
  let client: RpcClient<CounterApi, CounterEvents>

  beforeAll(async () => {
    child = fork(serverPath, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' })
    client = createClient<CounterApi, CounterEvents>(childPort(child), counterMethods)
    await client.add({ a: 0, b: 0 }) // waits until the child serves
  })
  afterAll(() => void child.kill())

  it('round-trips calls and typed arrays', async () => {
    expect(await client.add({ a: 2, b: 40 })).toBe(42)
    const reversed = await client.reverse({ bytes: new Uint8Array([1, 2, 3]) })
    expect(reversed).toBeInstanceOf(Uint8Array)
    expect([...reversed]).toEqual([3, 2, 1])
  })

  it('delivers events and stops after unsubscribe', async () => {
    // subscribe first: a job's first events may arrive together with the reply that names it
    const ticks: { countId: string; n: number }[] = []
    const off = client.on('tick', (e) => ticks.push(e))
    const ends: { countId: string; reason: string }[] = []
    client.on('end', (e) => ends.push(e))
    const { countId } = await client.count({ to: 3, tickMs: 5 })
    expect((await vi.waitUntil(() => ends.find((e) => e.countId === countId), { timeout: workMs })).reason).toBe('done')
    expect(ticks.filter((e) => e.countId === countId).map((e) => e.n)).toEqual([1, 2, 3])
    off()
    const { countId: second } = await client.count({ to: 2, tickMs: 5 })
    await vi.waitUntil(() => ends.find((e) => e.countId === second), { timeout: workMs })
    expect(ticks.filter((e) => e.countId === second)).toEqual([])
  })

  it('rejects invalid payloads with a clear error and keeps serving', async () => {
    const bad = client.add({ a: 1, b: 'two' } as never)
    await expect(bad).rejects.toMatchObject({ code: 'invalid-request', message: 'add(req).b: expected finite number, got "two"' })
    await expect(client.add({ a: 1, b: 2, c: 3 } as never)).rejects.toMatchObject({ message: 'add(req): unknown field "c"' })
    await expect(client.reverse({ bytes: [1, 2] } as never)).rejects.toMatchObject({ code: 'invalid-request' })
    expect(await client.add({ a: 1, b: 2 })).toBe(3)
  })

  it('rejects unknown methods, including inherited names', async () => {
    for (const method of ['nope', 'constructor', '__proto__', 'toString']) {
      const reply = await rawCall(child, { kind: 'call', id: 10_000 + method.length, method, req: {} })
      expect(reply).toMatchObject({ ok: false, error: { code: 'unknown-method', message: `unknown method "${method}"` } })
    }
  })

  it('propagates thrown errors as message and code', async () => {
    const error = await client.fail({ message: 'disk full', code: 'io' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcError)
    expect(error).toMatchObject({ message: 'disk full', code: 'io' })
  })

  it('cancels a running job', async () => {
    const ticks: number[] = []
    const ends: { countId: string; reason: string }[] = []
    client.on('end', (e) => ends.push(e))
    client.on('tick', (e) => ticks.push(e.n))
    const { countId } = await client.count({ to: 1000, tickMs: 5 })
    await vi.waitUntil(() => ticks.length > 0, { timeout: workMs })
    expect(await client.cancel({ countId })).toEqual({ cancelled: true })
    expect((await vi.waitUntil(() => ends.find((e) => e.countId === countId), { timeout: workMs })).reason).toBe('cancelled')
    const seen = ticks.length
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(ticks.length).toBe(seen)
    expect(seen).toBeLessThan(1000)
    expect(await client.cancel({ countId })).toEqual({ cancelled: false })
  })

  it('rejects pending and later calls once closed', async () => {
    const local = createClient<CounterApi, CounterEvents>(childPort(child), counterMethods)
    const pending = local.count({ to: 1, tickMs: 1000 })
    local.close(new RpcError('engine exited', 'engine-exited'))
    await expect(pending).rejects.toMatchObject({ code: 'engine-exited' })
    await expect(local.add({ a: 1, b: 1 })).rejects.toMatchObject({ code: 'engine-exited' })
  })
})
