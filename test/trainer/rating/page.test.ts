// The rating page without a browser: no external URLs, valid inline script, every element the script uses exists,
// the trial data parses back, method labels stay out of the page, and injected text cannot close the script.
import { describe, expect, it } from 'vitest'
import type { RatingManifest } from '../../../src/trainer/rating/manifest'
import { pageData, ratingPageHtml } from '../../../src/trainer/rating/page'
import { ratingPageScript } from '../../../src/trainer/rating/page-script'

const manifest: RatingManifest = {
  format: 'flowmo-rating-export', version: 1, exportId: 'abc', createdAt: '', title: 'Study </script><b>1</b>', imageSizePx: 32,
  metrics: { psnr: '', ssim: '' },
  methods: [
    { id: 'flowmo', label: 'FlowMo secret-label-1', bpp: 0.09, settings: {} },
    { id: 'jpeg', label: 'JPEG secret-label-2', bpp: 0.09, settings: {} },
  ],
  images: [{ id: 'a', source: '/x/a.png', file: 'originals/a.png', sha256: '' }],
  entries: ['flowmo', 'jpeg'].map((m) => ({ image: 'a', method: m, file: `recon/${m}/a.png`, sha256: '', bpp: 0.1, psnr: 20, ssim: 0.5, settings: {} })),
}
const html = ratingPageHtml(manifest)

describe('ratingPageHtml', () => {
  it('embeds no external URL and loads nothing from a network', () => {
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/["'(=]\s*\/\//) // protocol-relative //cdn…
    expect(html).not.toMatch(/<link\b|<iframe\b|@import|<script[^>]*\ssrc=/i)
    expect(html).toContain("default-src 'none'")
  })

  it('carries the trial data as JSON with relative paths and method ids only', () => {
    const json = /<script type="application\/json" id="export-data">([\s\S]*?)<\/script>/.exec(html)![1]
    expect(JSON.parse(json)).toEqual(pageData(manifest))
    expect(pageData(manifest).images[0].recon).toEqual({ flowmo: 'recon/flowmo/a.png', jpeg: 'recon/jpeg/a.png' })
    expect(html).not.toContain('secret-label')
    expect(html).not.toContain('/x/a.png')
  })

  it('escapes the title in text and in the inline JSON', () => {
    expect(html.match(/<\/script>/g)!.length).toBe(2) // the two script elements' own closing tags
    expect(html).toContain('Study &#60;/script&#62;&#60;b&#62;1&#60;/b&#62;')
  })

  it('inline script compiles and finds every element it uses', () => {
    expect(() => new Function(ratingPageScript)).not.toThrow()
    const used = [...ratingPageScript.matchAll(/\$\('([a-z-]+)'\)/g)].map((m) => m[1])
    expect(used.length).toBeGreaterThan(10)
    for (const id of new Set([...used, 'export-data'])) expect(html).toContain(`id="${id}"`)
  })
})
