// torch .pth reader: the golden checkpoints (EMA == weights.safetensors, raw == weights + 1e-3, total_steps,
// key order), strided/shared/half/big-endian storages, and hostile archives built here without Python.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PickleSecurityError } from '../../../src/trainer/checkpoint/checkpoint-error'
import { gatherStrided, openPth } from '../../../src/trainer/checkpoint/pth'
import { SafetensorsFile } from '../../../src/trainer/checkpoint/safetensors'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { PickleWriter, writeStateDict, writeTorchTensor, type TorchTensorSpec } from '../../fixtures/checkpoint/pickle-writer'
import { torchArchiveBytes, writeTorchArchive, type TorchArchive } from '../../fixtures/checkpoint/torch-archive'
import { writeSparseZip64 } from '../../fixtures/checkpoint/sparse-zip64'
import { buildZip, float32Bytes } from '../../fixtures/checkpoint/zip-writer'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-pth-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let counter = 0
const archive = (a: TorchArchive) => writeTorchArchive(join(dir, `t${counter++}.pth`), a)

/** `{name: tensor}` pickled as a bare state dict. */
function stateDictPickle(tensors: ReadonlyArray<readonly [string, TorchTensorSpec]>): Uint8Array {
  return writeStateDict(new PickleWriter().proto(), tensors).stop().bytes()
}

describe('golden checkpoint.pth', () => {
  for (const set of ['tiny-a', 'tiny-b']) {
    it(`${set}: EMA equals weights.safetensors exactly, raw equals weights + 1e-3, total_steps 1234, order kept`, async () => {
      const pth = await openPth(`${goldenDir()}/${set}/checkpoint.pth`)
      const st = await SafetensorsFile.open(`${goldenDir()}/${set}/weights.safetensors`)
      expect(pth.isBareStateDict).toBe(false)
      expect([...pth.stateDicts.keys()]).toEqual(['model_ema_state_dict', 'model_state_dict'])
      expect(pth.scalars.get('total_steps')).toBe(1234)
      const ema = pth.stateDicts.get('model_ema_state_dict')!
      const raw = pth.stateDicts.get('model_state_dict')!
      expect([...ema.keys()]).toEqual(st.header.entries.map((e) => e.name))
      expect([...raw.keys()]).toEqual([...ema.keys()])
      let emaMismatches = 0
      let worstRaw = 0
      for (const e of st.header.entries) {
        const w = await st.readTensor(e.name)
        const [m, r] = [await ema.get(e.name)!.read(), await raw.get(e.name)!.read()]
        expect([ema.get(e.name)!.shape, m.length, r.length]).toEqual([e.shape, w.length, w.length])
        for (let i = 0; i < w.length; i++) {
          if (!Object.is(m[i], w[i])) emaMismatches++
          worstRaw = Math.max(worstRaw, Math.abs(r[i]! - Math.fround(w[i]! + Math.fround(1e-3))))
        }
      }
      expect(emaMismatches).toBe(0)
      expect(worstRaw).toBeLessThan(2 ** -22) // fp32 rounding of the addition
      await Promise.all([pth.close(), st.close()])
    })
  }
})

describe('openPth: storages and views', () => {
  it('reads a transposed (non-contiguous) view and views sharing one storage at offsets', async () => {
    const storage = float32Bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    const path = archive({
      pickle: stateDictPickle([
        ['t', { storageKey: '0', storageNumel: 12, shape: [4, 3], stride: [1, 4] }], // a [3, 4] matrix, transposed
        ['row', { storageKey: '0', storageNumel: 12, storageOffset: 4, shape: [4] }],
        ['col', { storageKey: '0', storageNumel: 12, storageOffset: 2, shape: [3], stride: [4] }],
        ['bcast', { storageKey: '0', storageNumel: 12, storageOffset: 7, shape: [2, 2], stride: [0, 1] }],
      ]),
      storages: { '0': storage },
    })
    const pth = await openPth(path)
    const sd = pth.stateDicts.get('')!
    expect(pth.isBareStateDict).toBe(true)
    expect(Array.from(await sd.get('t')!.read())).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    expect(Array.from(await sd.get('row')!.read())).toEqual([4, 5, 6, 7])
    expect(Array.from(await sd.get('col')!.read())).toEqual([2, 6, 10])
    expect(Array.from(await sd.get('bcast')!.read())).toEqual([7, 8, 7, 8])
    await pth.close()
  })

  it('reads HalfStorage, _rebuild_parameter and a zip64 archive', async () => {
    const w = new PickleWriter().proto().emptyDict().mark().str('p')
    w.global('torch._utils', '_rebuild_parameter').mark()
    writeTorchTensor(w, { storageKey: 'h', storageType: 'HalfStorage', storageNumel: 3, shape: [3] })
    w.bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce().setItems().stop()
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer) // 1, -2, 0.333…
    const pth = await openPth(archive({ pickle: w.bytes(), storages: { h: half }, zip64: true }))
    const p = pth.stateDicts.get('')!.get('p')!
    expect(p.dtype).toBe('F16')
    expect(Array.from(await p.read())).toEqual([1, -2, 0.333251953125])
    await pth.close()
  })

  it('honours byteorder "big" and ignores unknown records', async () => {
    const be = new Uint8Array(8)
    new DataView(be.buffer).setFloat32(0, 1.25, false)
    new DataView(be.buffer).setFloat32(4, -3, false)
    const pickle = stateDictPickle([['x', { storageKey: '0', storageNumel: 2, shape: [2] }]])
    const extra = [{ name: 'archive/.data/serialization_id', data: new TextEncoder().encode('123') }]
    const pth = await openPth(archive({ pickle, storages: { '0': be }, byteorder: 'big', extra }))
    expect(Array.from(await pth.stateDicts.get('')!.get('x')!.read())).toEqual([1.25, -3])
    await pth.close()
    await expect(openPth(archive({ pickle, storages: { '0': be }, byteorder: 'middle' }))).rejects.toThrow(/unknown byteorder "middle"/)
  })

  it('reads tensors stored past 4 GiB in a (sparse) ZIP64 archive', async () => {
    const bigBytes = 2 ** 32 + 2 ** 20 // 4 GiB + 1 MiB of holes, then a marker
    const bigNumel = bigBytes / 4
    const pickle = stateDictPickle([
      ['tail', { storageKey: '0', storageNumel: bigNumel, storageOffset: bigNumel - 2, shape: [2] }],
      ['after', { storageKey: '1', storageNumel: 3, shape: [3] }],
    ])
    const path = join(dir, 'huge.pth')
    await writeSparseZip64(path, [
      { name: 'huge/data.pkl', sizeBytes: pickle.length, writes: [{ at: 0, bytes: pickle }], crc: true },
      { name: 'huge/data/0', sizeBytes: bigBytes, writes: [{ at: bigBytes - 8, bytes: float32Bytes([6.5, -7]) }] },
      { name: 'huge/data/1', sizeBytes: 12, writes: [{ at: 0, bytes: float32Bytes([1, 2, 3]) }] },
    ])
    const pth = await openPth(path)
    const sd = pth.stateDicts.get('')!
    expect(Array.from(await sd.get('tail')!.read())).toEqual([6.5, -7])
    expect(Array.from(await sd.get('after')!.read())).toEqual([1, 2, 3])
    await pth.close()
    rmSync(path)
  })

  it('gatherStrided copies a 3-d view in row-major order', () => {
    const span = Float32Array.from({ length: 24 }, (_, i) => i)
    expect(Array.from(gatherStrided(span, [2, 2, 2], [12, 1, 4]))).toEqual([0, 4, 1, 5, 12, 16, 13, 17])
  })
})

describe('openPth: refusals', () => {
  const tensor = (numel: number): TorchTensorSpec => ({ storageKey: '0', storageNumel: numel, shape: [numel] })

  it('refuses a pickled list, an int and a dict without tensors as "not a state dict"', async () => {
    const list = new PickleWriter().proto().emptyList().mark().int(1).int(2).appends().stop().bytes()
    await expect(openPth(archive({ pickle: list }))).rejects.toThrow(/not a state dict \(the pickled object is a list\)/)
    await expect(openPth(archive({ pickle: new PickleWriter().proto().int(7).stop().bytes() }))).rejects.toThrow(/not a state dict \(the pickled object is a number\)/)
    const noTensors = new PickleWriter().proto().emptyDict().str('epoch').int(3).setItem().stop().bytes()
    await expect(openPth(archive({ pickle: noTensors }))).rejects.toThrow(/not a state dict \(a dict with keys \[epoch\]/)
  })

  it('refuses a persistent id with a huge numel without allocating it', async () => {
    const pickle = stateDictPickle([['w', { storageKey: '0', storageNumel: 2 ** 50, shape: [2 ** 25, 2 ** 25] }]])
    const before = process.memoryUsage().arrayBuffers
    await expect(openPth(archive({ pickle, storages: { '0': float32Bytes([1, 2, 3, 4]) } })))
      .rejects.toThrow(/storage 0 declares 1125899906842624 × F32 = 4503599627370496 bytes but its record holds 16/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20)
  })

  it('refuses a view past the end of its storage and a missing storage record', async () => {
    const past = stateDictPickle([['w', { storageKey: '0', storageNumel: 4, storageOffset: 2, shape: [3] }]])
    await expect(openPth(archive({ pickle: past, storages: { '0': float32Bytes([1, 2, 3, 4]) } }))).rejects.toThrow(/reads past storage 0 \(4 elements\)/)
    await expect(openPth(archive({ pickle: stateDictPickle([['w', tensor(4)]]) }))).rejects.toThrow(/archive\/data\/0 is missing/)
  })

  it('refuses code-execution globals inside a .pth, naming them', async () => {
    const evil = new PickleWriter().proto().global('posix', 'system').mark().str('touch /tmp/x').tuple().reduce().stop().bytes()
    const err = await openPth(archive({ pickle: evil })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PickleSecurityError)
    expect(String(err)).toMatch(/refused global posix\.system at byte 2/)
  })

  it('refuses a truncated pickle, a truncated zip and a deflated data.pkl bomb', async () => {
    const full = stateDictPickle([['w', tensor(4)]])
    const storages = { '0': float32Bytes([1, 2, 3, 4]) }
    await expect(openPth(archive({ pickle: full.subarray(0, full.length - 5), storages }))).rejects.toThrow(/truncated pickle/)
    const bytes = torchArchiveBytes({ pickle: full, storages })
    const cut = join(dir, 'cut.pth')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30))
    await expect(openPth(cut)).rejects.toThrow(/not a zip archive or truncated.*legacy format/)
    const bomb = new Uint8Array(70 << 20).fill(0x4e) // 70 MB of NONE opcodes, over the 64 MB record cap
    await expect(openPth(archive({ pickle: bomb, deflatePickle: true }))).rejects.toThrow(/over the 67108864-byte limit/)
  })

  it('refuses a missing file and a zip that has no data.pkl', async () => {
    await expect(openPth(join(dir, 'absent.pth'))).rejects.toThrow(/absent\.pth: no such file/)
    const plain = join(dir, 'plain.zip')
    writeFileSync(plain, buildZip([{ name: 'readme.txt', data: new TextEncoder().encode('hello') }]))
    await expect(openPth(plain)).rejects.toThrow(/zip archive without data\.pkl, so not a torch\.save file/)
  })
})
