// Manifest CSV quoting (with each file's rater token), the "inf" convention for an exact reconstruction's PSNR, and
// manifest validation on import.
import { describe, expect, it } from 'vitest'
import { manifestCsv, manifestJson, parseManifest, type RatingManifest } from '../../../src/trainer/rating/manifest'

const manifest: RatingManifest = {
  format: 'flowmo-rating-export', version: 2, exportId: 'e', createdAt: 'now', title: 't', imageSizePx: 32, metrics: { psnr: 'p', ssim: 's' },
  methods: [{ id: 'jpeg', label: 'JPEG', bpp: 0.5, settings: { codec: 'jpeg' } }],
  images: [{ id: 'a', source: 'dir/a, "b".png', file: 'originals/a.png', token: 't0', sha256: 'ab12' }],
  entries: [
    { image: 'a', method: 'jpeg', file: 'recon/jpeg/a.png', token: 't1', sha256: 'cd34', bpp: 0.515625, psnr: 31.5, ssim: 0.9, settings: { variant: 'mozjpeg', note: 'say "hi",\nbye' } },
    { image: 'a', method: 'jpeg', file: 'recon/jpeg/b.png', token: 't2', sha256: 'ef56', bpp: 24, psnr: Infinity, ssim: 1, settings: {} },
  ],
}

/** A minimal RFC 4180 reader, to check what a spreadsheet would see. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [[]]
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') rows[rows.length - 1].push(field), (field = '')
    else if (c === '\n') rows[rows.length - 1].push(field), (field = ''), rows.push([])
    else field += c
  }
  return rows.filter((r) => r.length > 0)
}

describe('manifestCsv', () => {
  it('one row per file, quoted where needed, settings as JSON', () => {
    const rows = readCsv(manifestCsv(manifest))
    expect(rows[0]).toEqual(['image_id', 'method', 'file', 'token', 'bpp', 'psnr_db', 'ssim', 'sha256', 'settings'])
    expect(rows[1]).toEqual(['a', 'original', 'originals/a.png', 't0', '', '', '', 'ab12', ''])
    expect(rows[2]).toEqual(['a', 'jpeg', 'recon/jpeg/a.png', 't1', '0.515625', '31.5', '0.9', 'cd34', JSON.stringify(manifest.entries[0].settings)])
    expect(rows[3].slice(3, 7)).toEqual(['t2', '24', 'inf', '1'])
    expect(rows.length).toBe(4)
  })
})

describe('manifest JSON', () => {
  it('writes Infinity as "inf" and reads it back', () => {
    const text = manifestJson(manifest)
    expect(text).toContain('"psnr": "inf"')
    expect(parseManifest(text, 'm.json')).toEqual(manifest)
  })

  it('rejects files that are not a rating export manifest', () => {
    expect(() => parseManifest('{"format":"x"}', 'm.json')).toThrow('m.json: not a rating export manifest (format "x")')
    expect(() => parseManifest(JSON.stringify({ ...manifest, version: 1 }), 'm.json')).toThrow('manifest version 1 is not supported (expected 2, an export with a blind rater/ folder); export again')
    expect(() => parseManifest(JSON.stringify({ ...manifest, entries: undefined }), 'm.json')).toThrow(/lacks exportId, methods, images or entries/)
    expect(() => parseManifest('{', 'm.json')).toThrow(/^m.json: not valid JSON/)
  })
})
