// Bundled files: models are resources/models/*.safetensors, sample photos resources/images/*, sorted; none when absent.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundledFiles, resourcesDir } from '../../../src/trainer/inspect/bundled-files'

describe('bundledFiles', () => {
  it('lists safetensors models and images, ignoring other files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flowmo-resources-'))
    mkdirSync(join(root, 'models'))
    mkdirSync(join(root, 'images'))
    for (const name of ['models/b.safetensors', 'models/a.safetensors', 'models/notes.md', 'images/2.jpg', 'images/1.png', 'images/LICENSE.txt']) {
      writeFileSync(join(root, name), '')
    }
    expect(await bundledFiles(root)).toEqual({
      models: [join(root, 'models/a.safetensors'), join(root, 'models/b.safetensors')],
      images: [join(root, 'images/1.png'), join(root, 'images/2.jpg')],
    })
  })

  it('is empty without resources folders; the app’s resources/ sits beside package.json', async () => {
    expect(await bundledFiles(mkdtempSync(join(tmpdir(), 'flowmo-empty-')))).toEqual({ models: [], images: [] })
    expect(resourcesDir()).toBe(join(import.meta.dirname, '..', '..', '..', 'resources'))
  })
})
