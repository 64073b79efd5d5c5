// The images the inspector has open, by id: decoded 8-bit RGB kept in memory, a PNG thumbnail for the lists, and the
// model input (T.Resize shorter side → T.CenterCrop → [−1, 1], as the reference's data.py) at any model size.
import sharp from 'sharp'
import type { ImageRef, UploadedFile } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'
import { centerCrop, decodeImage, resizeShorterSide, toModelInput, type RgbImage } from '../data/images'

const THUMBNAIL_PX = 96

interface OpenedImage {
  readonly ref: ImageRef
  readonly image: RgbImage
}

export class ImageRegistry {
  private readonly images = new Map<string, OpenedImage>()
  private nextId = 1

  /** Decodes a file whose (real, allowed) path the caller has checked. */
  async openPath(path: string): Promise<ImageRef> {
    return this.add(path.split(/[\\/]/).pop()!, await decodeImage(path))
  }

  /** Decodes an uploaded file's bytes (PNG, JPEG, WebP, …) exactly as decodeImage does a path. */
  async openUpload(file: UploadedFile): Promise<ImageRef> {
    return this.add(file.name, await decodeImage(file.bytes, file.name))
  }

  get(imageId: string): OpenedImage {
    const opened = this.images.get(imageId)
    if (!opened) throw new RpcError(`no open image "${imageId}": open it first`, 'not-found')
    return opened
  }

  /** The model's view of an image: CHW [3, S, S] in [−1, 1]. */
  modelInput(imageId: string, sizePx: number): Float32Array {
    const cropped = centerCrop(resizeShorterSide(this.get(imageId).image, sizePx), sizePx)
    return toModelInput(cropped.rgb, sizePx, sizePx)
  }

  private async add(name: string, image: RgbImage): Promise<ImageRef> {
    const scale = Math.min(1, THUMBNAIL_PX / Math.max(image.h, image.w))
    const [w, h] = [Math.max(1, Math.round(image.w * scale)), Math.max(1, Math.round(image.h * scale))]
    const png = await sharp(image.rgb, { raw: { width: image.w, height: image.h, channels: 3 } }).resize(w, h).png().toBuffer()
    const ref: ImageRef = { imageId: `image-${this.nextId++}`, name, h: image.h, w: image.w, thumbnail: new Uint8Array(png) }
    this.images.set(ref.imageId, { ref, image })
    return ref
  }
}
