// The device setting in the status bar (web mode, Chromium): auto passes over the software adapter (lavapipe), webgpu
// names it, the choice reaches the engine and survives a reload. Screenshot: test-results/screenshots/device-setting.png.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callEngine, openApp, screenshot, workMs, type AppSession } from './harness'

describe('device setting', () => {
  let app: AppSession

  beforeAll(async () => {
    process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'flowmo-xdg-')) // Mesa's Vulkan loader wants one
    app = await openApp({ backend: 'wasm' })
  })
  afterAll(() => app?.close())

  it('shows the device and adapter, sets it in the engine, keeps it across a reload', async () => {
    const { page } = app
    const device = page.locator('[data-testid="device"]')
    await expect.poll(() => device.textContent(), { timeout: workMs }).toMatch(/^cpu \(auto: the WebGPU adapter llvmpipe.* is software/)
    await page.locator('[data-testid="device-setting"]').selectOption('webgpu')
    await expect.poll(() => device.textContent(), { timeout: workMs }).toMatch(/^webgpu · llvmpipe/)
    expect(await device.getAttribute('title')).toMatch(/^webgpu \(llvmpipe.*a software adapter\)$/)
    await page.reload()
    await expect.poll(() => device.textContent(), { timeout: workMs }).toMatch(/^webgpu · llvmpipe/)
    expect(await page.locator('[data-testid="device-setting"]').inputValue()).toBe('webgpu')
    await screenshot(page, 'device-setting')
    // the engine holds it: asking again for cpu answers as flowmo info does
    expect(await callEngine(page, 'setDevice', { device: 'cpu' })).toEqual({ requested: 'cpu', line: 'cpu (requested)', adapter: null, error: null })
    expect(app.pageErrors).toEqual([])
  })
})
