// The rating page without a browser: no external URLs; the inline JSON parses back to the trial data and the title
// cannot close the script; and the inline script, run against the page's own elements (a minimal DOM built from the
// HTML's ids), shows every pair once as images/<token>.png, counts flips, records choices, undoes, resumes after a reload, and saves a
// ratings file of the current format holding tokens only. The full page in Chromium: test/e2e/rating.test.ts.
import { describe, expect, it } from 'vitest'
import { ratingsFormat, ratingsVersion } from '../../../src/trainer/rating/manifest'
import { ratingPageHtml, type PageData } from '../../../src/trainer/rating/page'
import { ratingPageScript } from '../../../src/trainer/rating/page-script'

const data: PageData = {
  exportId: 'abc', title: 'Study </script><b>1</b>', imageSizePx: 32,
  images: [{ id: 'a', original: '00aa', pairs: [['11bb', '22cc'], ['33dd', '11bb'], ['22cc', '33dd']] }],
}
const html = ratingPageHtml(data)
const inlineJson = /<script type="application\/json" id="export-data">([\s\S]*?)<\/script>/.exec(html)![1]

interface FakeElement { id: string; src: string; textContent: string; value: string | number; max: number; hidden: boolean; onclick?: () => void; oninput?: (e: unknown) => void }

/** Runs the page script over elements for exactly the HTML's ids; returns them, a key press and the saved files. */
function openPage(store = new Map<string, string>()) {
  const ids = [...html.matchAll(/\sid="([a-z-]+)"/g)].map((m) => m[1])
  const elements = new Map<string, FakeElement>(ids.map((id) => [id, { id, src: '', textContent: id === 'export-data' ? inlineJson : '', value: '', max: 0, hidden: false }]))
  const keydown: ((e: unknown) => void)[] = []
  const saved: { name: string; blob: Blob }[] = []
  const document = {
    getElementById: (id: string) => elements.get(id) ?? null, // a missing element makes the script throw
    addEventListener: (type: string, f: (e: unknown) => void) => type === 'keydown' && keydown.push(f),
    createElement: () => ({ href: '', download: '', click(this: { href: string; download: string }) { saved.push({ name: this.download, blob: blobs.get(this.href)! }) }, remove() {} }),
    body: { appendChild() {} },
  }
  const blobs = new Map<string, Blob>()
  const URL = { createObjectURL: (b: Blob) => (blobs.set(`blob:${blobs.size}`, b), `blob:${blobs.size - 1}`), revokeObjectURL() {} }
  const localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }
  class HTMLInputElement {}
  class Image { src = '' }
  const globals = { document, localStorage, URL, Blob, HTMLInputElement, Image, crypto, performance, navigator: { userAgent: 'test' }, confirm: () => true, setTimeout }
  new Function(...Object.keys(globals), ratingPageScript)(...Object.values(globals))
  const el = (id: string) => elements.get(id)!
  const press = (key: string) => keydown.forEach((f) => f({ key, target: {}, preventDefault() {} }))
  return { el, press, saved, store }
}

describe('ratingPageHtml', () => {
  it('embeds no external URL and loads nothing from a network', () => {
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/["'(=]\s*\/\//) // protocol-relative //cdn…
    expect(html).not.toMatch(/<link\b|<iframe\b|@import|<script[^>]*\ssrc=/i)
    expect(html).toContain("default-src 'none'")
  })

  it('carries exactly the trial data as JSON; the title is escaped in text and cannot close the script', () => {
    expect(JSON.parse(inlineJson)).toEqual(data)
    expect(html.match(/<\/script>/g)!.length).toBe(2) // the two script elements' own closing tags
    expect(html).toContain('Study &#60;/script&#62;&#60;b&#62;1&#60;/b&#62;')
  })
})

describe('the rating page script', () => {
  it('shows every pair once, with the original, as images/<token>.png; flips count; choices record tokens', () => {
    const { el, press } = openPage()
    const file = (id: string) => /^images\/([0-9a-f]+)\.png$/.exec(el(id).src)?.[1]
    expect(el('progress-text').textContent).toBe('1 / 3')
    const shown: string[][] = []
    for (let trial = 0; trial < 3; trial++) {
      expect(file('original')).toBe('00aa')
      shown.push([file('left')!, file('right')!].sort())
      expect(file('flip')).toBe(file('left'))
      press(' ')
      expect([file('flip'), el('flip-label').textContent, el('flip-count').textContent]).toEqual([file('right'), 'Right', '1'])
      el(trial === 1 ? 'choose-right' : 'choose-left').onclick!()
    }
    expect(shown.sort()).toEqual(data.images[0].pairs.map((p) => [...p].sort()).sort())
    expect([el('trial').hidden, el('done').hidden, el('done-count').textContent]).toEqual([true, false, '3'])
  })

  it('undoes the last choice, keeps progress in localStorage, and saves tokens only in the current format', async () => {
    const { el, press, saved, store } = openPage()
    el('choose-left').onclick!()
    const second = [el('left').src, el('right').src]
    el('choose-right').onclick!()
    press('z')
    expect([el('left').src, el('right').src]).toEqual(second)
    expect(el('progress-text').textContent).toBe('2 / 3')
    el('rater').oninput!({ target: { value: 'r 1' } })
    press('2')
    expect(JSON.parse(store.get('ratings:abc')!).ratings).toHaveLength(2)
    el('save').onclick!()
    expect(saved).toHaveLength(1)
    expect(saved[0].name).toMatch(/^ratings-r_1-[0-9a-f]{8}\.json$/)
    const out = JSON.parse(await saved[0].blob.text())
    expect(out).toMatchObject({ format: ratingsFormat, version: ratingsVersion, exportId: 'abc', rater: 'r 1', trials: 3 })
    expect(out.ratings.map((r: { side: string }) => r.side)).toEqual(['left', 'right'])
    for (const r of out.ratings) {
      expect(r.choice).toBe(r[r.side])
      expect(data.images[0].pairs.map((p) => [...p].sort().join())).toContain([r.left, r.right].sort().join())
    }
    expect(JSON.stringify(out)).not.toMatch(/jpeg|webp|flowmo/i) // tokens, never method names
    const reloaded = openPage(store) // a reload resumes at the third trial with the rater's name
    expect([reloaded.el('progress-text').textContent, reloaded.el('rater').value]).toEqual(['3 / 3', 'r 1'])
  })
})
