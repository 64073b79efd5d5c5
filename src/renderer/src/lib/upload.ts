// A dropped or picked file to the engine in chunks (src/shared/payloads/inspect.ts): no message carries more than
// UPLOAD_CHUNK_BYTES, so web mode's WebSocket never sees a frame over its limit, whatever the file's size.
import { UPLOAD_CHUNK_BYTES, type UploadedFile } from '../../../shared/payloads/inspect'
import type { TrainerApi } from '../../../shared/protocol'

/** Sends one file and resolves with its upload id, for openImages. The engine refuses a file over the limit by name
 *  before any byte is sent. */
export async function upload(engine: Pick<TrainerApi, 'beginUpload' | 'uploadChunk'>, file: UploadedFile): Promise<string> {
  const { uploadId } = await engine.beginUpload({ name: file.name, size: file.bytes.byteLength })
  for (let offset = 0; offset < file.bytes.byteLength; offset += UPLOAD_CHUNK_BYTES) {
    // slice, not subarray: a view would carry its whole buffer through Electron's structured clone
    await engine.uploadChunk({ uploadId, offset, bytes: file.bytes.slice(offset, offset + UPLOAD_CHUNK_BYTES) })
  }
  return uploadId
}
