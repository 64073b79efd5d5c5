// Dropped files through web mode as the page sends them (upload.ts over the web client, the real server and engine):
// a multi-chunk file arrives intact (it opens as the same image as its path), a file over the limit is refused by
// name and the connection keeps serving.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { upload } from '../../../../src/renderer/src/lib/upload'
import { connectWebClient, rpcUrlFor, type WebClient } from '../../../../src/renderer/src/lib/web-client'
import { tokenCookieFor } from '../../../../src/server/access'
import { EngineSupervisor } from '../../../../src/server/engine-supervisor'
import { startWebServer, type WebServer } from '../../../../src/server/web-server'
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES } from '../../../../src/shared/payloads/inspect'
import { allowRootsVariable } from '../../../../src/trainer/files'

describe('uploads in web mode', () => {
  let dir: string
  let engine: EngineSupervisor
  let server: WebServer
  let client: WebClient

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'flowmo-upload-')))
    writeFileSync(join(dir, 'index.html'), '<!doctype html>')
    engine = new EngineSupervisor({ env: { FLOWMO_BACKEND: 'cpu', [allowRootsVariable]: dir } })
    engine.start()
    server = await startWebServer({ port: 0, host: '127.0.0.1', rendererDir: dir, engine })
    const headers = { cookie: `${tokenCookieFor(server.port)}=${server.token}` }
    client = connectWebClient({ url: rpcUrlFor(server.url), openSocket: (url) => new WebSocket(url, { headers, origin: server.origin }) })
  })
  afterAll(async () => {
    client.close()
    await server.close()
    await engine.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends a file of several chunks that opens as the same image as its path', async () => {
    const [w, h] = [2048, 1536] // noise barely compresses: ~9 MB of PNG, three chunks
    const png = new Uint8Array(await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer())
    expect(Math.ceil(png.byteLength / UPLOAD_CHUNK_BYTES)).toBeGreaterThanOrEqual(3)
    writeFileSync(join(dir, 'noise.png'), png)
    const [uploaded] = await client.openImages({ uploads: [await upload(client, { name: 'noise.png', bytes: png })] })
    const [byPath] = await client.openImages({ paths: [join(dir, 'noise.png')] })
    expect(uploaded).toMatchObject({ name: 'noise.png', w, h })
    expect(Buffer.from(uploaded.thumbnail).equals(Buffer.from(byPath.thumbnail))).toBe(true) // PNG's CRCs would fail on a damaged byte
  })

  it('refuses a file over the limit by name, before any byte is sent, and keeps serving', async () => {
    const big = { name: 'huge scan.tif', bytes: new Uint8Array(MAX_UPLOAD_BYTES + 2 ** 20) }
    await expect(upload(client, big)).rejects.toMatchObject({ code: 'too-large', message: 'huge scan.tif: 65.0 MiB is over the 64.0 MiB limit for a dropped file; open it by its path instead' })
    expect((await client.status()).backend).toBe('cpu')
  })
})
