// ZIP reader: STORED ranges, DEFLATED records, ZIP64 directories, torch-style aligned local headers, and
// refusal of truncated archives, zip bombs and unsupported methods.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ZipArchive } from '../../../src/trainer/checkpoint/zip'
import { buildZip, type ZipInput } from '../../fixtures/checkpoint/zip-writer'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-zip-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function openZip(name: string, bytes: Uint8Array): Promise<ZipArchive> {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return ZipArchive.open(path)
}

const text = (s: string) => new TextEncoder().encode(s)
const inputs: ZipInput[] = [
  { name: 'archive/data.pkl', data: text('pickle bytes '.repeat(50)), deflate: true },
  { name: 'archive/data/0', data: Uint8Array.from({ length: 256 }, (_, i) => i) },
  { name: 'archive/version', data: text('3\n') },
]

describe('ZipArchive', () => {
  for (const zip64 of [false, true]) {
    it(`lists entries and reads STORED ranges and DEFLATED records (zip64: ${zip64})`, async () => {
      const zip = await openZip(`ok-${zip64}.zip`, buildZip(inputs, { zip64, alignData: 64 }))
      expect([...zip.entries.keys()]).toEqual(inputs.map((i) => i.name))
      const data = zip.entries.get('archive/data/0')!
      expect(data.uncompressedSize).toBe(256)
      expect((await zip.dataOffset(data)) % 64).toBe(0)
      expect(Array.from(await zip.readRange(data, 250, 6))).toEqual([250, 251, 252, 253, 254, 255])
      const pkl = await zip.readRecord(zip.entries.get('archive/data.pkl')!, 1 << 20)
      expect(new TextDecoder().decode(pkl)).toBe('pickle bytes '.repeat(50))
      await zip.close()
    })
  }

  it('refuses a range past the end of an entry and a DEFLATED entry read by range', async () => {
    const zip = await openZip('range.zip', buildZip(inputs))
    await expect(zip.readRange(zip.entries.get('archive/data/0')!, 200, 57)).rejects.toThrow(/outside archive\/data\/0/)
    await expect(zip.readRange(zip.entries.get('archive/data.pkl')!, 0, 4)).rejects.toThrow(/compression method 8/)
    await zip.close()
  })

  it('refuses a truncated archive and a file that is not a zip', async () => {
    const full = buildZip(inputs)
    await expect(openZip('cut-end.zip', full.subarray(0, full.length - 10))).rejects.toThrow(/not a zip archive or truncated/)
    await expect(openZip('text.zip', text('hello world, definitely not a zip archive'))).rejects.toThrow(/not a zip archive/)
  })

  it('refuses entry data that runs past the end of the file', async () => {
    // keep the central directory but drop the middle of the data: offsets now point past the end
    const full = buildZip([{ name: 'big', data: new Uint8Array(4096) }])
    const cut = new Uint8Array(full.length - 2048)
    cut.set(full.subarray(0, 1000))
    cut.set(full.subarray(1000 + 2048), 1000)
    await expect(openZip('cut-mid.zip', cut)).rejects.toThrow(/truncated zip/)
  })

  it('refuses a zip bomb: a record that lies about its size and inflates past the cap', async () => {
    const bomb = { name: 'data.pkl', data: new Uint8Array(80 << 20), deflate: true, declaredSize: 1000 }
    const zip = await openZip('bomb.zip', buildZip([bomb]))
    const entry = zip.entries.get('data.pkl')!
    expect(entry.compressedSize).toBeLessThan(200_000)
    await expect(zip.readRecord(entry, 1 << 20)).rejects.toThrow(/inflates past the 1048576-byte limit/)
    await zip.close()
  })

  it('refuses a record whose declared size is over the cap before reading it', async () => {
    const zip = await openZip('declared.zip', buildZip([{ name: 'data.pkl', data: new Uint8Array(10), declaredSize: 2 ** 31 }]))
    await expect(zip.readRecord(zip.entries.get('data.pkl')!, 1 << 20)).rejects.toThrow(/2147483648 bytes, over the 1048576-byte limit/)
    await zip.close()
  })

  it('refuses unsupported compression methods and corrupt records', async () => {
    const zip = await openZip('method.zip', buildZip([
      { name: 'bz', data: new Uint8Array(8), method: 12 },
      { name: 'liar', data: new Uint8Array(8), declaredSize: 7 },
    ]))
    await expect(zip.readRecord(zip.entries.get('bz')!, 100)).rejects.toThrow(/compression method 12/)
    await expect(zip.readRecord(zip.entries.get('liar')!, 100)).rejects.toThrow(/corrupt/)
    await zip.close()
  })
})
