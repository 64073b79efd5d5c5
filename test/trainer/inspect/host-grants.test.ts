// The engine's side of main's host-grant message: granted paths become readable (real paths back), a missing path
// refuses the grant, and other traffic on the port (RPC calls) is left alone.
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { assertReadable } from '../../../src/trainer/files'
import { serveHostGrants } from '../../../src/trainer/inspect/host-grants'

function fakePort() {
  const posted: unknown[] = []
  let listener: (message: unknown) => void = () => {}
  const port = { postMessage: (m: unknown) => void posted.push(m), onMessage: (l: (m: unknown) => void) => ((listener = l), () => {}) }
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20))
  return { port, posted, send: (m: unknown) => listener(m), settled }
}

describe('serveHostGrants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowmo-grant-'))
  const file = join(dir, 'model.safetensors')
  writeFileSync(file, 'x')

  it('allows reading what main granted and answers with real paths', async () => {
    const { port, posted, send, settled } = fakePort()
    serveHostGrants(port)
    await expect(assertReadable(file)).rejects.toMatchObject({ code: 'forbidden' })
    send({ kind: 'host-grant', id: 4, paths: [dir] })
    await settled()
    expect(posted).toEqual([{ kind: 'host-grant-reply', id: 4, ok: true, paths: [realpathSync(dir)] }])
    expect(await assertReadable(file)).toBe(realpathSync(file))
  })

  it('refuses a grant of a missing path and ignores RPC calls', async () => {
    const { port, posted, send, settled } = fakePort()
    serveHostGrants(port)
    send({ kind: 'call', id: 1, method: 'status', req: undefined })
    send({ kind: 'host-grant', id: 5, paths: [join(dir, 'missing')] })
    await settled()
    expect(posted).toHaveLength(1)
    expect(posted[0]).toMatchObject({ kind: 'host-grant-reply', id: 5, ok: false })
  })
})
