// Browser-test harness for web mode: starts `flowmo serve --port 0` as a child process, reads the URL it prints,
// drives Debian's Chromium through playwright-core, saves screenshots to test-results/screenshots/, shuts all down.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { TrainerApi, TrainerEvents } from '../../src/shared/protocol'
import type { RequestOf } from '../../src/shared/rpc'
import { workMs } from '../fixtures/work-wait'

export { workMs } // the e2e tests' wait for engine work

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
export const chromiumPath = '/usr/bin/chromium'
export const screenshotDir = join(projectRoot, 'test-results', 'screenshots')
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const urlPattern = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/

export interface ServeOptions {
  readonly backend?: string // FLOWMO_BACKEND for the engine, e.g. 'cpu' (fast start) or 'wasm'
  readonly allow?: readonly string[] // --allow folders (default: the project root)
  readonly startTimeoutMs?: number // includes a renderer rebuild when its sources changed (default 300 s)
}

export interface Served {
  readonly url: string // http://127.0.0.1:<port>/?token=<token>
  readonly origin: string
  readonly port: number
  readonly token: string
  readonly process: ChildProcess
  output(): string // everything the server printed so far (stdout + stderr)
  stop(): Promise<void>
}

/** Starts `flowmo serve --port 0` and resolves once it printed its URL; rejects with its output if it exits first. */
export function startServe(options: ServeOptions = {}): Promise<Served> {
  const allow = (options.allow ?? [projectRoot]).flatMap((dir) => ['--allow', dir])
  const child = spawn(process.execPath, [join(projectRoot, 'bin/flowmo.mjs'), 'serve', '--port', '0', ...allow], {
    cwd: projectRoot,
    env: { ...process.env, ...(options.backend ? { FLOWMO_BACKEND: options.backend } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const stop = () => stopProcess(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (void stop(), reject(new Error(`flowmo serve printed no URL in time:\n${output}`))), options.startTimeoutMs ?? 300_000)
    const onData = (data: Buffer) => {
      output += data
      const match = urlPattern.exec(output)
      if (!match) return
      clearTimeout(timer)
      const port = Number(match[1])
      resolve({ url: match[0], origin: `http://127.0.0.1:${port}`, port, token: match[2], process: child, output: () => output, stop })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`flowmo serve exited (${code}):\n${output}`))))
  })
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM') // the server stops its engine, then exits
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(killer)
}

/** Fails (never skips) when the system Chromium is missing. */
export function requireChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: the browser tests need Debian's Chromium; install it with \`apt-get install -y chromium\` (.ci/run does)`)
  }
}

/** Headless Chromium with a fresh profile (a new temporary user-data dir per launch). */
export async function launchChromium(): Promise<Browser> {
  requireChromium()
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, timeout: workMs })
  const newPage = browser.newPage.bind(browser)
  browser.newPage = async (options) => {
    const page = await newPage(options)
    page.setDefaultTimeout(workMs) // clicks and waits without their own timeout: Playwright's 30 s is short under load
    return page
  }
  return browser
}

/** Saves a full-page PNG as test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true })
  const path = join(screenshotDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** One served app in one browser page, torn down by close(). */
export interface AppSession {
  readonly served: Served
  readonly browser: Browser
  readonly page: Page
  readonly pageErrors: string[] // uncaught errors, console errors and failed requests (status + path) of the page
  close(): Promise<void>
}

/**
 * Starts the server and Chromium, opens the printed URL and waits for the status bar to show the backend.
 * e.g. `app = await openApp({ backend: 'wasm' })` in beforeAll, `await app.close()` in afterAll.
 */
export async function openApp(options: ServeOptions = {}): Promise<AppSession> {
  requireChromium()
  const [served, browser] = await Promise.allSettled([startServe(options), launchChromium()])
  if (served.status === 'rejected' || browser.status === 'rejected') {
    if (served.status === 'fulfilled') await served.value.stop()
    if (browser.status === 'fulfilled') await browser.value.close()
    throw served.status === 'rejected' ? served.reason : (browser as PromiseRejectedResult).reason
  }
  return openPage(served.value, browser.value)
}

async function openPage(served: Served, browser: Browser): Promise<AppSession> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()))
  page.on('response', (response) => response.status() >= 400 && pageErrors.push(`${response.status()} ${new URL(response.url()).pathname}`))
  await page.goto(served.url)
  await page.locator('[data-testid="backend"]').filter({ hasNotText: '…' }).waitFor({ timeout: workMs })
  return {
    served,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close()
      await served.stop()
    },
  }
}

/** Calls the engine from inside the page, through the page's own `window.flowmo` (the web client). */
export function callEngine<K extends keyof TrainerApi>(page: Page, method: K, req: RequestOf<TrainerApi, K>): Promise<Awaited<ReturnType<TrainerApi[K]>>> {
  return page.evaluate(
    ([method, req]) => (globalThis as unknown as { flowmo: Record<string, (req: unknown) => Promise<never>> }).flowmo[method](req),
    [method, req] as const,
  )
}

/** Starts recording the page's engine events of the given names; read them with recordedEvents. */
export function recordEvents(page: Page, names: readonly (keyof TrainerEvents)[]): Promise<void> {
  return page.evaluate((names) => {
    const g = globalThis as unknown as { flowmo: { on(name: string, listener: (payload: unknown) => void): void }; __events: unknown[] }
    g.__events ??= []
    for (const name of names) g.flowmo.on(name, (payload) => g.__events.push({ name, payload }))
  }, names)
}

export interface RecordedEvent {
  readonly name: keyof TrainerEvents
  readonly payload: Record<string, unknown>
}

export function recordedEvents(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (globalThis as unknown as { __events?: RecordedEvent[] }).__events ?? [])
}

/** Per-channel statistics of what an <img> or <canvas> shows, as decoded by the browser (RGB, 0–255). */
export interface PixelStats {
  readonly width: number
  readonly height: number
  readonly mean: readonly [r: number, g: number, b: number]
  readonly std: readonly [r: number, g: number, b: number]
}

/** Draws the element (img, canvas, video) onto a 2-D canvas in the page and measures its pixels. */
export function pixelStats(page: Page, selector: string): Promise<PixelStats> {
  return page.locator(selector).evaluate((element) => {
    const source = element as unknown as { naturalWidth?: number; naturalHeight?: number; width: number; height: number; ownerDocument: { createElement(tag: 'canvas'): PixelCanvas } }
    const width = source.naturalWidth || source.width
    const height = source.naturalHeight || source.height
    const canvas = source.ownerDocument.createElement('canvas')
    Object.assign(canvas, { width, height })
    const context = canvas.getContext('2d')!
    context.drawImage(source, 0, 0)
    const { data } = context.getImageData(0, 0, width, height)
    const sum = [0, 0, 0]
    const sumSq = [0, 0, 0]
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) (sum[c] += data[i + c]), (sumSq[c] += data[i + c] ** 2)
    }
    const n = width * height
    const mean = sum.map((s) => s / n)
    const std = sumSq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c] ** 2)))
    return { width, height, mean: mean as [number, number, number], std: std as [number, number, number] }
  })
}

/** The slice of the DOM's 2-D canvas that pixelStats uses (the test side is compiled without DOM types). */
interface PixelCanvas {
  width: number
  height: number
  getContext(kind: '2d'): { drawImage(source: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
}
