// The rating page without a browser: no external URLs, valid inline script, every element the script uses exists,
// the trial data (tokens only) parses back, images are loaded by token, and injected text cannot close the script.
import { describe, expect, it } from 'vitest'
import { ratingsFormat, ratingsVersion } from '../../../src/trainer/rating/manifest'
import { ratingPageHtml, type PageData } from '../../../src/trainer/rating/page'
import { ratingPageScript } from '../../../src/trainer/rating/page-script'

const data: PageData = {
  exportId: 'abc', title: 'Study </script><b>1</b>', imageSizePx: 32,
  images: [{ id: 'a', original: '00aa', pairs: [['11bb', '22cc'], ['33dd', '11bb'], ['22cc', '33dd']] }],
}
const html = ratingPageHtml(data)

describe('ratingPageHtml', () => {
  it('embeds no external URL and loads nothing from a network', () => {
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/["'(=]\s*\/\//) // protocol-relative //cdn…
    expect(html).not.toMatch(/<link\b|<iframe\b|@import|<script[^>]*\ssrc=/i)
    expect(html).toContain("default-src 'none'")
  })

  it('carries exactly the trial data as JSON, and loads images as images/<token>.png', () => {
    const json = /<script type="application\/json" id="export-data">([\s\S]*?)<\/script>/.exec(html)![1]
    expect(JSON.parse(json)).toEqual(data)
    expect(ratingPageScript).toContain("'images/' + token + '.png'")
    expect(ratingPageScript).toContain(`format: '${ratingsFormat}', version: ${ratingsVersion},`)
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
