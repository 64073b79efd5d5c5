// A read-only file read by byte range (fs/promises FileHandle), so multi-GB checkpoints are never read whole.
// Short reads are looped; a range past the end is a CheckpointError ("truncated"), not a silent short buffer.
import { open, type FileHandle } from 'node:fs/promises'
import { CheckpointError } from './checkpoint-error'

const maxReadChunkBytes = 1 << 30 // fs read() takes an int32 length; larger ranges are read in pieces

export class RandomAccessFile {
  private constructor(
    readonly path: string,
    readonly sizeBytes: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<RandomAccessFile> {
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err)
      throw new CheckpointError(`cannot open ${path}: ${why}`)
    }
    const stats = await handle.stat()
    if (!stats.isFile()) {
      await handle.close()
      throw new CheckpointError(`cannot open ${path}: not a regular file`)
    }
    return new RandomAccessFile(path, stats.size, handle)
  }

  /** Reads exactly `length` bytes at `offset`; `what` names the record in the error if the file is too short. */
  async read(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new CheckpointError(`${this.path}: invalid byte range for ${what} (offset ${offset}, length ${length})`)
    }
    if (offset + length > this.sizeBytes) {
      throw new CheckpointError(
        `${this.path}: truncated file: ${what} needs bytes [${offset}, ${offset + length}) but the file has ${this.sizeBytes}`,
      )
    }
    const out = new Uint8Array(length)
    for (let done = 0; done < length; ) {
      const want = Math.min(length - done, maxReadChunkBytes)
      const { bytesRead } = await this.handle.read(out, done, want, offset + done)
      if (bytesRead === 0) throw new CheckpointError(`${this.path}: file shrank while reading ${what}`)
      done += bytesRead
    }
    return out
  }

  async close(): Promise<void> {
    await this.handle.close()
  }
}
