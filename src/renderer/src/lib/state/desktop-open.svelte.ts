// Desktop Open: native dialogs through `window.flowmoDesktop` (main grants the engine read access to the choice);
// a checkpoint or an exported ONNX folder opens as the model, images and image folders are added to the images.
import type { DesktopBridge, PickKind } from '../../../../shared/payloads/desktop'
import { describeError, engine } from '../engine'
import { inspector } from './inspector.svelte'

const isImage = (name: string) => /\.(png|jpe?g|webp)$/i.test(name)

export class DesktopOpenState {
  config = $state<string | null>(null) // a picked config file, used with the next checkpoint
  error = $state('')

  constructor(private readonly desktop: () => DesktopBridge) {}

  async pick(kind: PickKind): Promise<void> {
    this.error = ''
    try {
      const { paths } = await this.desktop().pickFiles(kind)
      if (paths.length) await this.open(kind, paths)
    } catch (error) {
      this.error = describeError(error)
    }
  }

  private async open(kind: PickKind, paths: readonly string[]): Promise<void> {
    if (kind === 'config') this.config = paths[0]
    else if (kind === 'checkpoint') await inspector.openModel(paths[0], this.config ?? undefined)
    else if (kind === 'onnx-folder') await inspector.openModel(paths[0])
    else if (kind === 'images') await inspector.openImages([...paths])
    else await this.openFolder(paths[0])
  }

  private async openFolder(dir: string): Promise<void> {
    const { entries } = await engine.listFiles({ dir })
    const images = entries.filter((e) => e.kind === 'file' && isImage(e.name)).map((e) => e.path)
    if (!images.length) throw new Error(`${dir} holds no PNG, JPEG or WebP images`)
    await inspector.openImages(images)
  }
}
