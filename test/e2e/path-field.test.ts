// PathField's web-mode browser (the popover every form's "Browse…" opens): enter an allowed folder and use it, pick
// one matching file, take all matching files of a folder; files that do not match are listed but not choosable.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type AppSession } from './harness'

const root = mkdtempSync(join(tmpdir(), 'flowmo-path-field-'))
mkdirSync(join(root, 'photos'))
for (const name of ['a.png', 'b.png', 'c.jpg', 'notes.txt']) writeFileSync(join(root, 'photos', name), 'x')
writeFileSync(join(root, 'model.safetensors'), 'x')

const popover = (page: Page) => page.locator('[data-testid=browse-popover]')

/** Opens the popover of field `testid` and enters the temp root (listed among the allowed folders). */
async function browseToRoot(page: Page, testid: string): Promise<void> {
  await page.click(`[data-testid=${testid}-browse]`)
  await popover(page).getByRole('button', { name: `▸ ${root}`, exact: true }).click()
  await popover(page).locator('.dir', { hasText: root }).waitFor()
}

describe('PathField in web mode', () => {
  let app: AppSession
  let page: Page

  beforeAll(async () => {
    app = await openApp({ backend: 'cpu', allow: [root] })
    page = app.page
    await page.click('[data-testid=section-sweep]')
  })
  afterAll(() => app?.close())

  it('uses the folder it was browsed to', async () => {
    await browseToRoot(page, 'sweep-data')
    await popover(page).getByRole('button', { name: '▸ photos' }).click()
    await popover(page).locator('.dir', { hasText: join(root, 'photos') }).waitFor()
    await page.click('[data-testid=browse-use-folder]')
    expect(await page.inputValue('[data-testid=sweep-data]')).toBe(join(root, 'photos'))
    expect(await popover(page).count()).toBe(0)
  })

  it('picks one file that matches, and only those', async () => {
    await browseToRoot(page, 'sweep-checkpoint')
    expect(await popover(page).locator('[data-testid=browse-use-folder]').count()).toBe(0) // file mode
    await popover(page).getByRole('button', { name: '▪ model.safetensors' }).click()
    expect(await page.inputValue('[data-testid=sweep-checkpoint]')).toBe(join(root, 'model.safetensors'))
    await browseToRoot(page, 'sweep-checkpoint')
    await popover(page).getByRole('button', { name: '▸ photos' }).click()
    await popover(page).locator('.other', { hasText: 'a.png' }).waitFor() // listed, not choosable as a checkpoint
    expect(await popover(page).getByRole('button', { name: /a\.png/ }).count()).toBe(0)
    await popover(page).getByRole('button', { name: 'close' }).click()
    expect(await popover(page).count()).toBe(0)
  })

  it('takes all matching files of a folder, one per line, without duplicates', async () => {
    await page.click('[data-testid=section-rating]')
    await page.fill('[data-testid=rating-images]', join(root, 'photos', 'a.png'))
    await browseToRoot(page, 'rating-images')
    await popover(page).getByRole('button', { name: '▸ photos' }).click()
    await page.click('[data-testid=browse-use-all]')
    const lines = (await page.inputValue('[data-testid=rating-images]')).split('\n')
    expect(lines).toEqual(['a.png', 'b.png', 'c.jpg'].map((n) => join(root, 'photos', n)))
    expect(app.pageErrors).toEqual([])
  })
})
