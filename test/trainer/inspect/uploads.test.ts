// Chunked uploads on the engine side: bytes reassembled exactly, a file over the limit refused by name before any
// chunk, chunks out of order or past the declared size refused, incomplete uploads never opened, abandoned ones dropped.
import { describe, expect, it } from 'vitest'
import { MAX_UPLOAD_BYTES } from '../../../src/shared/payloads/inspect'
import { Uploads } from '../../../src/trainer/inspect/uploads'

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + (i >> 8)) & 255)

describe('Uploads', () => {
  it('reassembles a file sent in chunks, then forgets it', () => {
    const uploads = new Uploads()
    const file = bytesOf(10_000)
    const { uploadId } = uploads.begin({ name: 'a.png', size: file.byteLength })
    for (let at = 0; at < file.byteLength; at += 3000) {
      expect(uploads.chunk({ uploadId, offset: at, bytes: file.slice(at, at + 3000) })).toEqual({ received: Math.min(at + 3000, 10_000), size: 10_000 })
    }
    const taken = uploads.take(uploadId)
    expect(taken.name).toBe('a.png')
    expect(Buffer.from(taken.bytes).equals(Buffer.from(file))).toBe(true)
    expect(() => uploads.take(uploadId)).toThrow(/no upload "upload-1"/)
  })

  it('refuses a file over the per-file limit by name, before any byte', () => {
    const uploads = new Uploads()
    expect(() => uploads.begin({ name: 'huge.tif', size: 80 * 2 ** 20 })).toThrow(
      expect.objectContaining({ code: 'too-large', message: 'huge.tif: 80.0 MiB is over the 64.0 MiB limit for a dropped file; open it by its path instead' }),
    )
    expect(() => uploads.begin({ name: 'just-over.png', size: MAX_UPLOAD_BYTES + 1 })).toThrow(/^just-over\.png: /)
    expect(uploads.begin({ name: 'edge.png', size: MAX_UPLOAD_BYTES }).uploadId).toBe('upload-1') // the limit itself is allowed
  })

  it('refuses chunks out of order or past the declared size, and incomplete files', () => {
    const uploads = new Uploads()
    const { uploadId } = uploads.begin({ name: 'b.png', size: 10 })
    expect(() => uploads.chunk({ uploadId, offset: 4, bytes: bytesOf(4) })).toThrow('b.png: a chunk at byte 4, expected byte 0 (chunks arrive in order)')
    uploads.chunk({ uploadId, offset: 0, bytes: bytesOf(6) })
    expect(() => uploads.chunk({ uploadId, offset: 6, bytes: bytesOf(5) })).toThrow('b.png: chunks add up to more than the declared 10 bytes')
    expect(() => uploads.take(uploadId)).toThrow('b.png: only 6 of 10 bytes arrived')
  })

  it('holds at most four files at the limit unfinished; one abandoned for ten minutes makes room', () => {
    let now = 0
    const uploads = new Uploads(() => now)
    for (let i = 0; i < 4; i++) uploads.begin({ name: `${i}.png`, size: MAX_UPLOAD_BYTES })
    expect(() => uploads.begin({ name: 'fifth.png', size: 1 })).toThrow(expect.objectContaining({ code: 'busy', message: expect.stringMatching(/^fifth\.png: 256\.0 MiB of other uploads/) }))
    now = 10 * 60_000 + 1
    expect(uploads.begin({ name: 'fifth.png', size: 1 }).uploadId).toBe('upload-5')
    expect(() => uploads.take('upload-1')).toThrow(/no upload/)
  })
})
