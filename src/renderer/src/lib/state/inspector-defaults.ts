// A form's empty fields start from the inspector — its open model, its open images — each taken once: the first time
// the inspector has it while the field is empty, so a field the user typed into or cleared is left alone after that.
import { folderOf } from '../format'
import { inspector } from './inspector.svelte'

export class InspectorDefaults {
  private filled = { model: false, images: false }

  /** The inspector's model (path, config or ''), once, while the form's model field is `empty`. */
  model(empty: boolean): { path: string; config: string } | null {
    const source = inspector.modelSource
    if (this.filled.model || !source || !empty) return null
    this.filled.model = true
    return { path: source.path, config: source.config ?? '' }
  }

  /** The inspector's image paths (at least one), once, while the form's images field is `empty`. */
  images(empty: boolean): readonly string[] | null {
    const paths = inspector.imagePaths
    if (this.filled.images || !paths.length || !empty) return null
    this.filled.images = true
    return paths
  }

  /** A checkpoint + config + image-folder form (Evaluate, Code stats): the model, and its first image's folder. */
  fillModelAndFolder(form: { checkpoint: string; config: string; data: string }): void {
    const model = this.model(!form.checkpoint)
    if (model) [form.checkpoint, form.config] = [model.path, model.config]
    const images = this.images(!form.data)
    if (images) form.data = folderOf(images[0])
  }
}
