// Files dropped or picked in the page, arriving in chunks (payloads/inspect.ts beginUpload / uploadChunk): each is
// received into a buffer of its declared size, in order, and handed to openImages once complete. A file over the
// per-file limit is refused by name before any byte is sent; uploads left unfinished are dropped after a while.
import { MAX_UPLOAD_BYTES, type BeginUploadRequest, type UploadChunkRequest, type UploadedFile, type UploadProgress, type UploadStarted } from '../../shared/payloads/inspect'
import { RpcError } from '../../shared/rpc'

const MAX_PENDING_BYTES = 4 * MAX_UPLOAD_BYTES // all unfinished uploads together
const STALE_MS = 10 * 60_000 // an upload no chunk reached for this long was abandoned (a closed page)

interface Pending {
  readonly name: string
  readonly bytes: Uint8Array // the declared size
  received: number
  touched: number // Date.now() of the last chunk
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`

export class Uploads {
  private readonly pending = new Map<string, Pending>()
  private nextId = 1

  constructor(private readonly now: () => number = Date.now) {}

  begin(req: BeginUploadRequest): UploadStarted {
    if (req.size > MAX_UPLOAD_BYTES) {
      throw new RpcError(`${req.name}: ${mib(req.size)} is over the ${mib(MAX_UPLOAD_BYTES)} limit for a dropped file; open it by its path instead`, 'too-large')
    }
    this.dropStale()
    const held = [...this.pending.values()].reduce((n, p) => n + p.bytes.byteLength, 0)
    if (held + req.size > MAX_PENDING_BYTES) {
      throw new RpcError(`${req.name}: ${mib(held)} of other uploads are still arriving; try again when they are open`, 'busy')
    }
    const uploadId = `upload-${this.nextId++}`
    this.pending.set(uploadId, { name: req.name, bytes: new Uint8Array(req.size), received: 0, touched: this.now() })
    return { uploadId }
  }

  chunk(req: UploadChunkRequest): UploadProgress {
    const upload = this.get(req.uploadId)
    const size = upload.bytes.byteLength
    if (req.offset !== upload.received) {
      throw new RpcError(`${upload.name}: a chunk at byte ${req.offset}, expected byte ${upload.received} (chunks arrive in order)`, 'invalid-request')
    }
    if (req.offset + req.bytes.byteLength > size) {
      throw new RpcError(`${upload.name}: chunks add up to more than the declared ${size} bytes`, 'invalid-request')
    }
    upload.bytes.set(req.bytes, req.offset)
    upload.received += req.bytes.byteLength
    upload.touched = this.now()
    return { received: upload.received, size }
  }

  /** A complete upload, forgotten here: its bytes now belong to the caller. */
  take(uploadId: string): UploadedFile {
    const upload = this.get(uploadId)
    if (upload.received !== upload.bytes.byteLength) {
      throw new RpcError(`${upload.name}: only ${upload.received} of ${upload.bytes.byteLength} bytes arrived`, 'invalid-request')
    }
    this.pending.delete(uploadId)
    return { name: upload.name, bytes: upload.bytes }
  }

  private get(uploadId: string): Pending {
    const upload = this.pending.get(uploadId)
    if (!upload) throw new RpcError(`no upload "${uploadId}": begin it first (unfinished uploads are dropped after ${STALE_MS / 60_000} minutes)`, 'not-found')
    return upload
  }

  private dropStale(): void {
    for (const [id, upload] of this.pending) if (this.now() - upload.touched > STALE_MS) this.pending.delete(id)
  }
}
