// The web-mode engine host: calls reach a real engine process; when it is killed mid-job the job fails with
// 'engine-exited', clients see restarting → ready, and later calls succeed on the new process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RestartPolicy } from '../../src/main/restart-policy'
import { EngineSupervisor, type EnginePush } from '../../src/server/engine-supervisor'
import { isProcessAlive } from '../../src/trainer/process-lock'
import { callTest, testEngine } from '../fixtures/engine/test-api'

function waitForPush(engine: EngineSupervisor, match: (push: EnginePush) => boolean, timeoutMs = 20_000): Promise<EnginePush> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching engine event')), timeoutMs)
    const stop = engine.onPush((push) => {
      if (!match(push)) return
      clearTimeout(timer)
      stop()
      resolve(push)
    })
  })
}

describe('EngineSupervisor', () => {
  const pushes: EnginePush[] = []
  const logs: string[] = []
  let engine: EngineSupervisor

  beforeAll(() => {
    engine = new EngineSupervisor({ engine: testEngine, env: { FLOWMO_BACKEND: 'cpu' }, policy: new RestartPolicy(2, 60_000, 50), log: (line) => logs.push(line) })
    engine.onPush((push) => pushes.push(push))
    engine.start()
  })
  afterAll(() => engine.stop())

  it('queues calls until the engine is ready, then forwards them to its process', async () => {
    const echo = await callTest(engine, 'echo', { text: 'hi', bytes: Uint8Array.from([1, 2]) })
    expect(echo).toEqual({ text: 'hi', bytes: Uint8Array.from([1, 2]), pid: engine.pid })
    expect(engine.state).toMatchObject({ state: 'ready' })
  })

  it('fails running jobs and in-flight calls with engine-exited when the engine dies, restarts it, serves again', async () => {
    const firstPid = engine.pid!
    const progressed = waitForPush(engine, (p) => p.name === 'job:progress')
    const { jobId } = await callTest(engine, 'demoJob', { steps: 200, stepMs: 20 })
    await progressed
    const jobFailed = waitForPush(engine, (p) => p.name === 'job:error')
    const ready = waitForPush(engine, (p) => p.name === 'engine:status' && p.payload.state === 'ready')
    const inFlight = callTest(engine, 'demoJob', { steps: 1, stepMs: 60_000 }).then(() => 'replied', (error) => error)
    process.kill(firstPid, 'SIGKILL')
    expect((await jobFailed).payload).toMatchObject({ jobId, code: 'engine-exited' })
    await ready
    const states = pushes.filter((p) => p.name === 'engine:status').map((p) => p.payload.state)
    expect(states.slice(-2)).toEqual(['restarting', 'ready'])
    expect(await inFlight).toMatchObject({ code: 'engine-exited' }) // sent before the kill: in flight when the engine died
    const echo = await callTest(engine, 'echo', { text: 'again' })
    expect(echo.pid).not.toBe(firstPid)
    expect(logs.some((line) => /SIGKILL.*restarting/.test(line))).toBe(true)
  })

  it('gives up after the policy allows no more restarts, and refuses calls', async () => {
    for (let crash = 0; crash < 2; crash++) {
      const next = waitForPush(engine, (p) => p.name === 'engine:status' && p.payload.state !== 'restarting')
      process.kill(engine.pid!, 'SIGKILL')
      await next
    }
    expect(engine.state).toMatchObject({ state: 'stopped' })
    await expect(engine.call('status', undefined)).rejects.toMatchObject({ code: 'engine-exited' })
  })
})

describe('EngineSupervisor without its server', () => {
  it('the engine exits when the supervising process is killed outright, even with a job pending', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/supervise-engine.ts', import.meta.url))
    const server = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] })
    const pid = await new Promise<number>((resolve) => server.stdout.on('data', (data: Buffer) => {
      const match = /engine pid (\d+)/.exec(String(data))
      if (match) resolve(Number(match[1]))
    }))
    expect(isProcessAlive(pid)).toBe(true)
    server.kill('SIGKILL')
    await expect.poll(() => isProcessAlive(pid), { timeout: 10_000 }).toBe(false)
  })
})
