// Writes torch.save zip archives (torch ≥ 1.6 layout, what pth.ts reads): `<stem>/data.pkl` (pickle-writer.ts),
// `<stem>/byteorder`, one record `<stem>/data/<key>` per fp32 tensor, streamed one tensor at a time so a 15 GB
// checkpoint never sits in memory, and `<stem>/version`.
import { basename, extname } from 'node:path'
import { CheckpointError } from './checkpoint-error'
import { hostLittleEndian } from './dtypes'
import { pickle, type PickledTensor, type PyValue } from './pickle-writer'
import { ZipWriter } from './zip-writer'

/** An fp32 tensor to be written: its shape and a reader called once, when its record is written. */
export interface TensorSource {
  readonly shape: readonly number[]
  read(): Promise<Float32Array>
}

export type WriteProgress = (tensorsDone: number, tensorsTotal: number) => void

/** Collects the tensors a pickled root refers to; `tensor()` gives the value to place in the root. */
export class PthTensors {
  private readonly sources: TensorSource[] = []

  tensor(source: TensorSource): PickledTensor {
    this.sources.push(source)
    return { kind: 'tensor-out', key: String(this.sources.length - 1), shape: [...source.shape] }
  }

  /** Writes `root` (holding tensors made by `tensor()`) to `path`; the file appears only when complete. */
  async write(path: string, root: PyValue, onProgress?: WriteProgress, signal?: AbortSignal): Promise<void> {
    if (!hostLittleEndian) throw new CheckpointError(`${path}: writing .pth needs a little-endian host`)
    const prefix = `${basename(path, extname(path))}/`
    const zip = await ZipWriter.create(path)
    try {
      await zip.add(`${prefix}data.pkl`, pickle(root, path))
      await zip.add(`${prefix}byteorder`, new TextEncoder().encode('little'))
      for (const [key, source] of this.sources.entries()) {
        signal?.throwIfAborted()
        await zip.add(`${prefix}data/${key}`, await this.bytesOf(source, path, key))
        onProgress?.(key + 1, this.sources.length)
      }
      await zip.add(`${prefix}version`, new TextEncoder().encode('3\n'))
      await zip.close()
    } catch (err) {
      await zip.abandon()
      throw err
    }
  }

  private async bytesOf(source: TensorSource, path: string, key: number): Promise<Uint8Array> {
    const data = await source.read()
    const numel = source.shape.reduce((a, b) => a * b, 1)
    if (data.length !== numel) {
      throw new CheckpointError(`${path}: tensor ${key} of shape [${source.shape.join(', ')}] needs ${numel} values, got ${data.length}`)
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  }
}
