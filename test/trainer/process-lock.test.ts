// The cross-process lock file: one holder at a time, a live holder named, a dead holder's lock taken over, a lock too
// old or unreadable and old taken over, release keeping a lock someone else took since, and withLock waiting its turn.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isProcessAlive, processStartOf, tryLock, withLock, type HeldLock } from '../../src/trainer/process-lock'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-lock-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid! // exited already
const held = async (path: string, opts = {}): Promise<HeldLock> => {
  const lock = await tryLock(path, opts)
  if ('holder' in lock) throw new Error(`held by ${lock.holder.pid}`)
  return lock
}

describe('tryLock', () => {
  it('records pid and start time, refuses a second taker naming the holder, and is gone once released', async () => {
    const path = join(tmp, 'a.lock')
    const before = Date.now()
    const lock = await held(path)
    const after = Date.now()
    expect(lock.tookOverFrom).toBeNull()
    const holder = JSON.parse(readFileSync(path, 'utf8'))
    expect(holder.pid).toBe(process.pid)
    expect(Date.parse(holder.startedAt)).toBeGreaterThanOrEqual(before) // taken by this call, however long it took
    expect(Date.parse(holder.startedAt)).toBeLessThanOrEqual(after)
    expect(await tryLock(path)).toEqual({ holder })
    await lock.release()
    expect(existsSync(path)).toBe(false)
    await (await held(path)).release()
  })

  it('takes over the lock of a process that is gone', async () => {
    const path = join(tmp, 'dead.lock')
    const dead = { pid: deadPid(), startedAt: '2026-01-01T00:00:00.000Z' }
    expect(isProcessAlive(dead.pid)).toBe(false)
    writeFileSync(path, JSON.stringify(dead))
    const lock = await held(path)
    expect(lock.tookOverFrom).toEqual(dead)
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('records the holder process\'s start, and takes over a lock whose pid now belongs to a process started at another time', async () => {
    const path = join(tmp, 'reused.lock')
    const mine = await held(path)
    const recorded = JSON.parse(readFileSync(path, 'utf8'))
    const stat = readFileSync('/proc/self/stat', 'utf8')
    expect(recorded.processStart).toBe(`ticks:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`) // field 22, from proc(5)
    expect(processStartOf(process.pid)).toBe(recorded.processStart)
    await mine.release()
    const reused = { pid: process.pid, processStart: 'ticks:1', startedAt: '2026-01-01T00:00:00.000Z' } // a dead sweep's pid, now ours
    writeFileSync(path, JSON.stringify(reused))
    const lock = await held(path)
    expect(lock.tookOverFrom).toEqual(reused)
    await lock.release()
  })

  it('takes over a live holder\'s lock past staleAfterMs, and an unreadable one (an old lock folder) once old', async () => {
    const path = join(tmp, 'old.lock')
    writeFileSync(path, JSON.stringify({ pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z' }))
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    expect('holder' in (await tryLock(path))).toBe(true)
    await (await held(path, { staleAfterMs: 30_000 })).release()
    mkdirSync(path)
    writeFileSync(join(path, 'pid'), '1')
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    const lock = await held(path)
    expect(lock.tookOverFrom).toBeNull()
    await lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('release keeps a lock another process took since', async () => {
    const path = join(tmp, 'since.lock')
    const lock = await held(path)
    const other = JSON.stringify({ pid: process.pid, startedAt: '2030-01-01T00:00:00.000Z' })
    writeFileSync(path, other)
    await lock.release()
    expect(readFileSync(path, 'utf8')).toBe(other)
  })
})

describe('withLock', () => {
  it('waits while a live process holds the lock, then runs and releases it', async () => {
    const path = join(tmp, 'wait.lock')
    const first = await held(path)
    let ran = false
    const waiting = withLock(path, async () => (ran = true), { pollMs: 20 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(ran).toBe(false)
    await first.release()
    await waiting
    expect(ran).toBe(true)
    expect(existsSync(path)).toBe(false)
  })
})
