// Writes an encoded ONNX model to disk, moving large initializers into one `<name>.onnx.data` file
// (ONNX external data: location/offset/length) once their total passes a threshold, since a protobuf
// message cannot exceed 2 GB. Both files are written to a temp name and renamed (atomic writes).
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { encodeModel, tensorByteLength, tensorBytes, type ExternalRef, type ModelDef, type TensorDef } from './onnx-proto'

export interface OnnxWriteOptions {
  /** Initializer bytes above which weights go to external data; default 1 GiB (protobuf caps at 2 GB). */
  readonly externalDataThresholdBytes?: number
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

export async function writeOnnxFile(model: ModelDef, path: string, options: OnnxWriteOptions = {}): Promise<OnnxFileReport> {
  const threshold = options.externalDataThresholdBytes ?? DEFAULT_THRESHOLD_BYTES
  const initializers = model.graph.initializers
  const totalBytes = initializers.reduce((sum, t) => sum + tensorByteLength(t), 0)
  const dataPath = `${path}.data`
  const external = new Map<string, ExternalRef>()
  let dataBytes = 0
  if (totalBytes > threshold) {
    const moved = initializers.filter((t) => tensorByteLength(t) >= EXTERNAL_MIN_BYTES)
    for (const t of moved) {
      const offset = Math.ceil(dataBytes / EXTERNAL_ALIGN_BYTES) * EXTERNAL_ALIGN_BYTES
      external.set(t.name, { location: basename(dataPath), offset, length: tensorByteLength(t) })
      dataBytes = offset + tensorByteLength(t)
    }
    await writeAtomic(dataPath, externalData(moved, external))
  } else {
    await rm(dataPath, { force: true }) // a stale data file from an earlier, larger export
  }
  const modelBytes = await writeAtomic(path, encodeModel(model, external))
  return { modelPath: path, dataPath: external.size > 0 ? dataPath : null, modelBytes, dataBytes }
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

/** Writes chunks in order to `path` via a temp file; small chunks are coalesced into 1 MiB writes. */
async function writeAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}`
  const file = await open(tmp, 'w')
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let written = 0
  const flush = async (): Promise<void> => {
    if (pendingBytes > 0) await writeAll(file, Buffer.concat(pending, pendingBytes))
    pending = []
    pendingBytes = 0
  }
  try {
    for (const c of chunks) {
      if (c.byteLength >= FLUSH_BYTES) {
        await flush()
        await writeAll(file, c)
      } else {
        pending.push(c)
        pendingBytes += c.byteLength
        if (pendingBytes >= FLUSH_BYTES) await flush()
      }
      written += c.byteLength
    }
    await flush()
    await file.close()
  } catch (e) {
    await file.close()
    await rm(tmp, { force: true })
    throw e
  }
  await rename(tmp, path)
  return written
}

/** One write call may stop short (Linux caps a write near 2 GiB), so loop until every byte is out. */
async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.byteLength - done)
    done += bytesWritten
  }
}
