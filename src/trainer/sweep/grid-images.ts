// The small PNGs of a sweep's image grid: the first few images' originals and their reconstruction in every cell,
// written as files under an images folder (`<cell label>/img0003.png`, `original/img0003.png`) or kept inline as base64.
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { encodePng, fromModelOutput, writePng } from '../data/images'
import type { ImageRef } from './sweep-result'

export interface GridImagesOptions {
  readonly imagesDir?: string // write PNG files here
  readonly inline?: boolean // else keep base64 PNGs in the JSON (small sets only)
  readonly count: number // images in the grid: the first `count` of the set
}

export class GridImages {
  readonly dir: string | null

  constructor(private readonly o: GridImagesOptions, private readonly imageSizePx: number) {
    this.dir = o.imagesDir ? resolve(o.imagesDir) : null
  }

  /** Whether image `index` is in the grid (and images are kept at all). */
  has(index: number): boolean {
    return index < this.o.count && (this.dir !== null || this.o.inline === true)
  }

  /** Stores image `index` ([3, S, S] in [−1, 1]) under `folder`; null for an image outside the grid. */
  async store(folder: string, index: number, chw: Float32Array): Promise<ImageRef | null> {
    if (!this.has(index)) return null
    const S = this.imageSizePx
    const rgb = fromModelOutput(chw, S, S)
    if (this.dir === null) return { png: (await encodePng(rgb, S, S)).toString('base64') }
    const file = `${folder}/img${String(index).padStart(4, '0')}.png`
    await mkdir(join(this.dir, folder), { recursive: true })
    await writePng(join(this.dir, file), rgb, S, S)
    return { file }
  }
}
