// The ONNX cache in the app (web mode, Chromium): the bundled model's export (opened at startup) is listed with its
// size as `flowmo cache ls` measures it; prune to 0 GB empties it. Screenshot: test-results/screenshots/export-cache.png.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listExportCache } from '../../src/trainer/export/cache-admin'
import { openApp, screenshot, workMs, type AppSession } from './harness'

describe('ONNX cache in the app', () => {
  let app: AppSession
  const cacheDir = mkdtempSync(join(tmpdir(), 'flowmo-e2e-cache-'))

  beforeAll(async () => {
    process.env.FLOWMO_CACHE_DIR = cacheDir // the engine inherits it
    app = await openApp({ backend: 'wasm' })
  })
  afterAll(async () => {
    await app?.close()
    delete process.env.FLOWMO_CACHE_DIR
    rmSync(cacheDir, { recursive: true, force: true })
  })

  it('lists the exports with their sizes and prunes them', async () => {
    const { page } = app
    await expect.poll(async () => (await listExportCache(cacheDir)).length, { timeout: workMs }).toBe(1) // the bundled model's first open
    const [entry] = await listExportCache(cacheDir)
    await page.locator('summary', { hasText: 'ONNX cache' }).click()
    const rows = page.locator('[data-testid="export-cache"] li')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(`${entry.model} · photo-64.safetensors`)
    expect(await rows.first().textContent()).toContain(`${(entry.bytes / 1e9).toFixed(entry.bytes < 1e8 ? 3 : 2)} GB`)
    await screenshot(page, 'export-cache')
    await page.locator('[data-testid="prune-gb"]').fill('0')
    await page.locator('[data-testid="prune"]').click()
    await expect.poll(() => rows.first().textContent()).toBe('empty')
    expect(await listExportCache(cacheDir)).toEqual([])
    expect(app.pageErrors).toEqual([])
  })
})
