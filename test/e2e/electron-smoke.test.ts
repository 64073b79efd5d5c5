// Desktop smoke test (Playwright's Electron driver): the built app opens its window and the status bar shows the
// engine's backend. Runs where the Electron binary is installed; elsewhere it is reported as skipped, never passed.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { projectRoot, screenshot, workMs } from './harness'

const { electronBinary } = (await import(join(projectRoot, 'scripts/electron-binary.mjs'))) as { electronBinary(): string | null }
const binary = electronBinary()
if (!binary) console.warn('desktop smoke test SKIPPED: the Electron binary is not installed here (web-mode tests cover the UI)')

describe('desktop app (Electron)', () => {
  let app: ElectronApplication | null = null
  let outDir: string | null = null
  afterAll(async () => {
    await app?.close()
    if (outDir) rmSync(outDir, { recursive: true, force: true })
  })

  it.skipIf(!binary)('opens the window with the engine backend in the status bar', async () => {
    mkdirSync(join(projectRoot, 'out'), { recursive: true })
    outDir = mkdtempSync(join(projectRoot, 'out', 'electron-test-')) // inside the project, so node_modules resolve
    execFileSync(process.execPath, [join(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], { cwd: projectRoot, stdio: 'pipe' })
    const headless = process.platform === 'linux' && !process.env.DISPLAY ? ['--ozone-platform=headless'] : []
    app = await _electron.launch({ executablePath: binary!, args: [...headless, join(outDir, 'main/index.js')], env: { ...process.env, FLOWMO_BACKEND: 'cpu' } })
    const window = await app.firstWindow()
    await expect.poll(() => window.locator('[data-testid="backend"]').textContent(), { timeout: workMs }).toMatch(/^cpu/)
    expect(await window.locator('footer').textContent()).toMatch(/electron \d+/)
    await screenshot(window, 'desktop-status-bar')
  })
})
