// Web mode end to end: `flowmo serve` as the user starts it, the app in Debian's Chromium. The status bar shows the
// engine's backend; a killed engine is reported in the page and the app recovers on a new engine process.
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isProcessAlive } from '../../src/trainer/process-lock'
import { callEngine, openApp, recordedEvents, recordEvents, screenshot, workMs, type AppSession } from './harness'

describe('flowmo serve in Chromium', () => {
  let app: AppSession

  beforeAll(async () => {
    app = await openApp({ backend: 'wasm' }) // the default on CPU
  })
  afterAll(() => app?.close())

  it('prints the contract URL; refuses requests without the token, serves the app with it', async () => {
    expect(app.served.url).toBe(`http://127.0.0.1:${app.served.port}/?token=${app.served.token}`)
    expect([401, 403]).toContain((await fetch(`${app.served.origin}/`)).status)
    const page = await fetch(app.served.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app">')
  })

  it('shows the engine backend in the status bar and renders', async () => {
    const { page } = app
    await expect.poll(() => page.locator('[data-testid="backend"]').textContent()).toMatch(/^wasm · \d+ threads?/)
    expect(await page.locator('footer').textContent()).toContain('web mode')
    expect(await page.locator('footer').getAttribute('data-state')).toBe('ready')
    const path = await screenshot(page, 'web-mode-status-bar')
    expect(existsSync(path)).toBe(true)
    expect(app.pageErrors).toEqual([])
  })

  // a job failing with engine-exited is web-client.test.ts (test engine) and inspector.test.ts (a variance job)
  it('reports a killed engine and recovers: restarting, then ready on a new process, calls succeed', async () => {
    const { page } = app
    await recordEvents(page, ['engine:status'])
    const { pid } = await callEngine(page, 'status', undefined)
    process.kill(pid, 'SIGKILL')
    await page.waitForSelector('footer[data-state="restarting"]', { timeout: workMs })
    expect(await page.locator('footer [role="status"]').textContent()).toMatch(/engine exited.*restarting/)
    await screenshot(page, 'web-mode-engine-restarting')
    await page.waitForSelector('footer[data-state="ready"]', { timeout: workMs })
    const events = await recordedEvents(page)
    expect(events.filter((e) => e.name === 'engine:status').map((e) => e.payload.state)).toEqual(['restarting', 'ready'])
    const after = await callEngine(page, 'status', undefined)
    expect(after.pid).not.toBe(pid)
    await expect.poll(() => page.locator('[data-testid="backend"]').textContent()).toMatch(/^wasm/)
  })

  it('keeps the token out of the address bar, and the engine does not outlive a killed server', async () => {
    const { page, served } = app
    expect(page.url()).toBe(`${served.origin}/`)
    const { pid } = await callEngine(page, 'status', undefined) // the wasm backend's worker threads would keep it alive
    served.process.kill('SIGKILL') // no chance to stop its engine: the engine notices the closed IPC channel
    await expect.poll(() => isProcessAlive(pid), { timeout: workMs }).toBe(false)
  })
})
