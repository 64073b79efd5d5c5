// One writer per output folder: lockOutput refuses a live holder naming it, takes a dead holder's lock over with a
// notice, and its release (or a refusal) leaves no folder it created; refuseIfLockedByOther ignores this process.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockOutput, refuseIfLockedByOther } from '../../src/trainer/output-lock'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-output-lock-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const how = { what: 'training run', alternative: 'run folder' }

describe('lockOutput', () => {
  it('creates the folder, refuses a second writer naming the first, and removes what it created on release', async () => {
    const dir = join(tmp, 'new', 'run')
    const release = await lockOutput(join(dir, 'lock'), dir, how)
    expect(readdirSync(dir)).toEqual(['lock'])
    await expect(lockOutput(join(dir, 'lock'), dir, how)).rejects.toThrow(
      new RegExp(`^another training run \\(pid ${process.pid}, started \\S+\\) is writing ${dir}; wait for it or choose another run folder$`))
    await release()
    expect(existsSync(join(tmp, 'new'))).toBe(false)
  })

  it('keeps a folder that existed or was written into, and takes over a dead holder\'s lock with a notice', async () => {
    const dir = join(tmp, 'used')
    mkdirSync(dir)
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: deadPid, startedAt: '2026-01-01T00:00:00.000Z' }))
    const notices: string[] = []
    const release = await lockOutput(join(dir, 'lock'), dir, { ...how, onNotice: (l) => notices.push(l) })
    expect(notices).toEqual([`took over ${join(dir, 'lock')}: the training run that held it (pid ${deadPid}, started 2026-01-01T00:00:00.000Z) is no longer running`])
    writeFileSync(join(dir, 'metrics.jsonl'), '')
    await release()
    expect(readdirSync(dir)).toEqual(['metrics.jsonl'])
  })

  it('refuseIfLockedByOther passes this process\'s own lock and refuses another live process\'s', async () => {
    const dir = join(tmp, 'other')
    const release = await lockOutput(join(dir, 'lock'), dir, how)
    await expect(refuseIfLockedByOther(join(dir, 'lock'), dir, how)).resolves.toBeUndefined()
    await release()
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z' }))
    await expect(refuseIfLockedByOther(join(dir, 'lock'), dir, how)).rejects.toThrow(`another training run (pid ${process.ppid}`)
  })
})
