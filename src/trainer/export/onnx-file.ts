// Writes an encoded ONNX model to disk, moving large initializers into one `<name>.onnx.data` file
// (ONNX external data: location/offset/length) once their total passes a threshold, since a protobuf
// message cannot exceed 2 GB. Both files are written to temp names and renamed once both are complete; a cancelled or
// failed write removes its temp files, so no half-written file is left.
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { encodeModel, tensorByteLength, tensorBytes, type ExternalRef, type ModelDef, type TensorDef } from './onnx-proto'

export interface OnnxWriteOptions {
  /** Initializer bytes above which weights go to external data; default 1 GiB (protobuf caps at 2 GB). */
  readonly externalDataThresholdBytes?: number
}

/** How a caller follows and stops a write (not part of the file's form). */
export interface OnnxWriteControl {
  readonly signal?: AbortSignal // checked before every write call; the temp files are then removed
  readonly onWrite?: (bytesWritten: number) => void // after every write call, bytes so far over both files
}

export interface OnnxFileReport {
  readonly modelPath: string
  readonly dataPath: string | null // the external data file, when one was written
  readonly modelBytes: number
  readonly dataBytes: number
}

const DEFAULT_THRESHOLD_BYTES = 1 << 30
const EXTERNAL_MIN_BYTES = 1024 // smaller tensors stay inline, as onnx.save_model does
const EXTERNAL_ALIGN_BYTES = 4096 // page-aligned offsets let onnxruntime map weights directly
const FLUSH_BYTES = 1 << 20

export async function writeOnnxFile(model: ModelDef, path: string, options: OnnxWriteOptions & OnnxWriteControl = {}): Promise<OnnxFileReport> {
  const threshold = options.externalDataThresholdBytes ?? DEFAULT_THRESHOLD_BYTES
  const initializers = model.graph.initializers
  const totalBytes = initializers.reduce((sum, t) => sum + tensorByteLength(t), 0)
  const dataPath = `${path}.data`
  const external = new Map<string, ExternalRef>()
  let dataBytes = 0
  const moved = totalBytes > threshold ? initializers.filter((t) => tensorByteLength(t) >= EXTERNAL_MIN_BYTES) : []
  for (const t of moved) {
    const offset = Math.ceil(dataBytes / EXTERNAL_ALIGN_BYTES) * EXTERNAL_ALIGN_BYTES
    external.set(t.name, { location: basename(dataPath), offset, length: tensorByteLength(t) })
    dataBytes = offset + tensorByteLength(t)
  }
  const out = new TempWriter(options)
  try {
    const dataTmp = external.size > 0 ? await out.write(dataPath, externalData(moved, external)) : null
    const modelTmp = await out.write(path, encodeModel(model, external))
    if (dataTmp) await rename(dataTmp, dataPath)
    else await rm(dataPath, { force: true }) // a stale data file from an earlier, larger export
    await rename(modelTmp, path)
  } finally {
    await out.removeLeftovers()
  }
  return { modelPath: path, dataPath: external.size > 0 ? dataPath : null, modelBytes: out.bytes - dataBytes, dataBytes }
}

/** The external data file's chunks, made one tensor at a time (lazy tensors live only while written). */
function* externalData(moved: readonly TensorDef[], external: ReadonlyMap<string, ExternalRef>): Generator<Uint8Array> {
  let end = 0
  for (const t of moved) {
    const { offset, length } = external.get(t.name)!
    if (offset > end) yield new Uint8Array(offset - end) // alignment padding
    yield tensorBytes(t)
    end = offset + length
  }
}

/** Writes files to temp names (`<path>.tmp-<pid>`), counting bytes; small chunks are coalesced into 1 MiB writes. */
class TempWriter {
  bytes = 0
  private readonly temps: string[] = []
  constructor(private readonly control: OnnxWriteControl) {}

  /** Writes `chunks` in order to a temp file beside `path` and returns its name (renamed by the caller). */
  async write(path: string, chunks: Iterable<Uint8Array>): Promise<string> {
    const tmp = `${path}.tmp-${process.pid}`
    this.temps.push(tmp)
    const file = await open(tmp, 'w')
    let pending: Uint8Array[] = []
    let pendingBytes = 0
    const flush = async (): Promise<void> => {
      if (pendingBytes > 0) await this.writeAll(file, Buffer.concat(pending, pendingBytes))
      pending = []
      pendingBytes = 0
    }
    try {
      for (const c of chunks) {
        if (c.byteLength >= FLUSH_BYTES) {
          await flush()
          await this.writeAll(file, c)
        } else {
          pending.push(c)
          pendingBytes += c.byteLength
          if (pendingBytes >= FLUSH_BYTES) await flush()
        }
      }
      await flush()
    } finally {
      await file.close()
    }
    return tmp
  }

  /** Removes the temp files not renamed into place (all of them after a failure or a cancel). */
  async removeLeftovers(): Promise<void> {
    await Promise.all(this.temps.map((tmp) => rm(tmp, { force: true })))
  }

  /** One write call may stop short (Linux caps a write near 2 GiB), so loop until every byte is out. */
  private async writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.byteLength; ) {
      this.control.signal?.throwIfAborted()
      const { bytesWritten } = await file.write(bytes, done, bytes.byteLength - done)
      done += bytesWritten
      this.bytes += bytesWritten
      this.control.onWrite?.(this.bytes)
    }
  }
}
