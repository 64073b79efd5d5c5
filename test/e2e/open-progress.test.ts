// A checkpoint's first open in Chromium against `flowmo serve` with an empty export cache (FLOWMO_CACHE_DIR): the Open
// panel shows each export step with a bar and Cancel while the engine reports the steps in order; opening it again
// (a cache hit) shows and reports nothing. Screenshot: test-results/screenshots/open-progress.png.
// The app's own startup open of the bundled model is busy from its first moment (the engine may still be starting:
// under load its `bundled` reply came late, the page looked idle, and the late bundled open then ran beside the
// user's and left its progress showing); a model the user opens meanwhile is kept.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeFrame } from '../../src/shared/wire-frames'
import { goldenDir } from '../../src/trainer/parity/golden-dir'
import { openApp, recordedEvents, recordEvents, screenshot, workMs, type AppSession } from './harness'

const tinyA = join(goldenDir(), 'tiny-a')
const cacheDir = mkdtempSync(join(tmpdir(), 'flowmo-e2e-onnx-'))
const stepPattern = /^(hashing the checkpoint|exporting the (en|de)coder to ONNX|loading the exported model)… ([1-4])\/4/

/** Records, in the page, every text the open-progress step shows and whether Cancel was there with it. */
function watchOpenProgress(page: Page): Promise<void> {
  return page.evaluate(() => {
    type Node = { textContent: string | null } | null
    const g = globalThis as unknown as {
      document: { body: unknown; querySelector(selector: string): Node }
      MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void }
      __openSteps: { text: string; cancel: boolean }[]
    }
    g.__openSteps = []
    new g.MutationObserver(() => {
      const step = g.document.querySelector('[data-testid=open-progress-step]')?.textContent
      if (step && g.__openSteps.at(-1)?.text !== step) g.__openSteps.push({ text: step, cancel: g.document.querySelector('[data-testid=open-cancel]') !== null })
    }).observe(g.document.body, { subtree: true, childList: true, characterData: true })
  })
}

const seenSteps = (page: Page) => page.evaluate(() => (globalThis as unknown as { __openSteps: { text: string; cancel: boolean }[] }).__openSteps)

/** The open-model jobs' events, by job id, in arrival order. */
async function openJobs(page: Page): Promise<Map<string, { name: string; message?: string }[]>> {
  const byJob = new Map<string, { name: string; message?: string }[]>()
  for (const { name, payload } of await recordedEvents(page)) {
    const jobId = String(payload.jobId)
    if (jobId.startsWith('open-')) byJob.set(jobId, [...(byJob.get(jobId) ?? []), { name, message: payload.message as string | undefined }])
  }
  return byJob
}

describe('opening a checkpoint that is not exported yet', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    process.env.FLOWMO_CACHE_DIR = cacheDir // flowmo serve's engine inherits it
    app = await openApp({ backend: 'cpu', allow: [tinyA] })
    page = app.page
  })
  afterAll(async () => {
    await app?.close()
    delete process.env.FLOWMO_CACHE_DIR
    rmSync(cacheDir, { recursive: true, force: true })
  })

  it('shows each export step with a bar and Cancel, in order; a second open (cache hit) shows and reports none', async () => {
    await expect.poll(() => page.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0) // the bundled model, if any
    await watchOpenProgress(page)
    await recordEvents(page, ['job:progress', 'job:done', 'job:error'])
    await page.fill('[data-testid=model-path]', join(tinyA, 'checkpoint.pth'))
    await page.fill('[data-testid=config-path]', join(tinyA, 'config.json'))
    await page.click('[data-testid=open-model]')
    await expect.poll(() => page.textContent('[data-testid=summary-code]'), { timeout: workMs }).toBe('16 tokens × 6 bits (G 3)')
    await screenshot(page, 'open-progress')

    const [first, events] = [...(await openJobs(page))].at(-1)!
    expect(events.at(-1)?.name).toBe('job:done')
    const steps = events.filter((e) => e.name === 'job:progress').map((e) => Number(stepPattern.exec(e.message!)?.[3]))
    expect([...new Set(steps)]).toEqual([1, 2, 3, 4]) // every step, each message one of the four
    expect(steps).toEqual([...steps].sort())
    const shown = await seenSteps(page)
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.every((s) => stepPattern.test(s.text) && s.cancel)).toBe(true)
    expect(readdirSync(cacheDir).filter((name) => /^[0-9a-f]{16}$/.test(name))).not.toHaveLength(0)
    await expect.poll(() => page.locator('[data-testid=open-progress]').count(), { timeout: workMs }).toBe(0) // gone once open

    const shownBefore = shown.length
    await page.click('[data-testid=open-model]')
    const second = async () => [...(await openJobs(page))].find(([id]) => id !== first)?.[1] ?? []
    await expect.poll(async () => (await second()).at(-1)?.name, { timeout: workMs }).toBe('job:done')
    expect((await second()).filter((e) => e.name === 'job:progress')).toEqual([])
    expect((await seenSteps(page)).length).toBe(shownBefore)
    expect(app.pageErrors).toEqual([])
  })

  it('is busy until the startup open is settled, and keeps a model opened before the bundled one', async () => {
    const late = await app.browser.newPage({ viewport: { width: 1280, height: 800 } })
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    await late.routeWebSocket(/\/rpc/, (ws) => {
      const server = ws.connectToServer()
      let bundledCall = -1
      ws.onMessage((m) => {
        const call = decodeFrame(new Uint8Array(m as Buffer)) as { kind: string; id: number; method?: string }
        if (call.kind === 'call' && call.method === 'bundled') bundledCall = call.id
        server.send(m)
      })
      server.onMessage(async (m) => {
        const reply = decodeFrame(new Uint8Array(m as Buffer)) as { kind: string; id: number }
        if (reply.kind === 'reply' && reply.id === bundledCall) await held // the engine answers late, as under load
        ws.send(m)
      })
    })
    await late.goto(app.served.url)
    await expect.poll(() => late.textContent('[data-testid=open-busy]'), { timeout: workMs }).toBe('looking for the bundled model…')
    await late.fill('[data-testid=model-path]', join(tinyA, 'checkpoint.pth'))
    await late.fill('[data-testid=config-path]', join(tinyA, 'config.json'))
    await late.click('[data-testid=open-model]')
    await expect.poll(() => late.textContent('[data-testid=summary-code]'), { timeout: workMs }).toBe('16 tokens × 6 bits (G 3)')
    await recordEvents(late, ['job:progress', 'job:done'])
    release()
    await expect.poll(() => late.locator('[data-testid=open-busy]').count(), { timeout: workMs }).toBe(0)
    expect(await late.textContent('[data-testid=summary-code]')).toBe('16 tokens × 6 bits (G 3)')
    expect([...(await openJobs(late)).keys()]).toEqual([]) // the bundled model was not opened over it
    await expect.poll(() => late.locator('[data-testid=open-progress]').count(), { timeout: workMs }).toBe(0)
    await late.close()
  })
})
