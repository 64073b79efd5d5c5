// exportFlowMo and the export cache on a golden checkpoint: the manifest (config round trip, hashes, state dict,
// graph signatures), external data, a config that does not fit, cache hits keyed by checkpoint and config, a cancelled
// export leaving nothing behind (also when cancelled while a graph is written), and the full-size FlowMo-Lo graphs traced (not run).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cachedExport } from '../../../src/trainer/export/export-cache'
import { exportFlowMo } from '../../../src/trainer/export/flowmo-export'
import { explicitSizes, readManifest } from '../../../src/trainer/export/manifest'
import { traceModel } from '../../../src/trainer/export/to-onnx'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { hashFile } from '../../../src/trainer/metrics/protocol'
import { buildConfig, PRESETS, preset } from '../../../src/trainer/model/configs'
import { FlowMo } from '../../../src/trainer/model/flowmo'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const set = findGoldenSets(goldenDir())[0]
const src = { checkpoint: join(set, 'checkpoint.pth'), config: join(set, 'config.json') }
const work = mkdtempSync(join(tmpdir(), 'flowmo-export-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('explicitSizes', () => {
  it.each(Object.keys(PRESETS))('%s round-trips through buildConfig', (name) => {
    expect(buildConfig(explicitSizes(preset(name)))).toEqual(preset(name))
  })
})

describe('exportFlowMo', () => {
  it('writes encoder.onnx, decoder.onnx and flowmo.json describing them', async () => {
    const out = join(work, 'plain')
    const messages: string[] = []
    const m = await exportFlowMo(src, out, { onProgress: (s) => messages.push(s) })
    const { manifest, config } = await readManifest(out)
    expect(manifest).toEqual(m)
    const { S, L, C } = { S: config.imageSize, L: config.codeLength, C: config.contextDim }
    expect(m.encoder).toMatchObject({ file: 'encoder.onnx', dataFile: null, inputs: { x: [-1, 3, S, S] }, outputs: { code_pre: [-1, L, C] } })
    expect(m.decoder.inputs).toEqual({ x_t: [-1, 3, S, S], code_in: [-1, L, C + 1], t: [-1] })
    expect(m.checkpoint.sha256).toBe(await hashFile(src.checkpoint))
    expect(m.checkpoint).toMatchObject({ format: 'pth', stateDict: 'model_ema_state_dict' })
    expect(m.bitsPerPixel).toBeCloseTo((L * C) / (S * S), 12)
    expect(m).toMatchObject({ opset: 17, domainOpsets: { 'com.microsoft': 1 }, fusedAttention: true, sampling: config.sampling })
    expect(existsSync(join(out, 'decoder.onnx'))).toBe(true)
    expect(messages.some((s) => /decoder: tracing/.test(s))).toBe(true)
  })

  it('moves weights to external data above the threshold and runs the same', async () => {
    const out = join(work, 'external')
    const m = await exportFlowMo(src, out, { externalDataThresholdBytes: 1 << 16, sha256: 'given' })
    expect(m.decoder.dataFile).toBe('decoder.onnx.data')
    expect(m.checkpoint.sha256).toBe('given')
    const x = Float32Array.from({ length: 2 * 3 * m.config.imageSize ** 2 }, (_, i) => Math.sin(i))
    const [a, b] = [await OrtModel.load(out), await OrtModel.load(join(work, 'plain'))]
    expect((await a.encode(x, 2)).codePre).toEqual((await b.encode(x, 2)).codePre)
    await Promise.all([a.dispose(), b.dispose()])
  })

  it('a cancel during tracing and writing stops that graph: no .onnx file, and an earlier export there is no longer one', async () => {
    const out = join(work, 'plain-again')
    await exportFlowMo(src, out, { sha256: 'earlier' })
    const written = statSync(join(out, 'encoder.onnx')).mtimeMs
    const controller = new AbortController()
    const onProgress = (message: string) => /^encoder: tracing/.test(message) && controller.abort()
    await expect(exportFlowMo(src, out, { signal: controller.signal, onProgress })).rejects.toMatchObject({ name: 'AbortError' })
    expect(readdirSync(out).sort()).toEqual(['decoder.onnx', 'encoder.onnx']) // the earlier graphs; no temp file
    expect(statSync(join(out, 'encoder.onnx')).mtimeMs).toBe(written) // not rewritten
    await expect(readManifest(out)).rejects.toThrow(/not a FlowMo ONNX export/) // its manifest went first
  })

  it('rejects a config the checkpoint does not fit, naming the tensors', async () => {
    await expect(exportFlowMo({ ...src, config: undefined, preset: 'tiny-64' }, join(work, 'bad'))).rejects.toThrow(/does not fit the tiny-64 config[\s\S]*Missing/)
  })

  it('an unreadable folder says it is not an export', async () => {
    await expect(readManifest(work)).rejects.toThrow(/not a FlowMo ONNX export.*flowmo export/)
  })
})

describe('cachedExport', () => {
  it('exports once per checkpoint, state dict and config, remembering the hash', async () => {
    const cacheDir = join(work, 'cache')
    const first = await cachedExport(src, { cacheDir })
    const again = await cachedExport(src, { cacheDir })
    expect(first.fresh).toBe(true)
    expect(again).toEqual({ ...first, fresh: false })
    const raw = await cachedExport({ ...src, stateDict: 'raw' }, { cacheDir })
    expect(raw.key).not.toBe(first.key)
    const unfused = await cachedExport(src, { cacheDir, fusedAttention: false })
    expect(unfused.key).not.toBe(first.key)
    const memo = JSON.parse(readFileSync(join(cacheDir, 'hashes.json'), 'utf8')) as Record<string, string>
    expect(Object.values(memo)).toEqual([await hashFile(src.checkpoint)])
  })

  it('reports its stages only when it works, leaves nothing when cancelled, and clears exports of dead processes', async () => {
    const cacheDir = join(work, 'cancel')
    const controller = new AbortController()
    const stages: string[] = []
    const onProgress = (_: string, stage: string) => (stages.push(stage), stage === 'decoder' && controller.abort())
    await expect(cachedExport(src, { cacheDir, signal: controller.signal, onProgress })).rejects.toMatchObject({ name: 'AbortError' })
    expect(readdirSync(cacheDir)).toEqual(['hashes.json']) // no entry and no temporary folder
    expect([...new Set(stages)]).toEqual(['hash', 'encoder', 'decoder'])
    stages.length = 0
    const { key, fresh } = await cachedExport(src, { cacheDir, onProgress })
    expect([fresh, [...new Set(stages)]]).toEqual([true, ['encoder', 'decoder', 'manifest']]) // the hash is remembered
    stages.length = 0
    expect((await cachedExport(src, { cacheDir, onProgress })).fresh).toBe(false)
    expect(stages).toEqual([]) // a cache hit is quiet
    rmSync(join(cacheDir, key), { recursive: true })
    mkdirSync(join(cacheDir, `${key}.tmp-2147483646-0badf00d`)) // left by an engine killed mid-export (no such pid)
    expect((await cachedExport(src, { cacheDir })).fresh).toBe(true)
    expect(readdirSync(cacheDir).sort()).toEqual([key, 'hashes.json'])
  })
})

describe('full-size graphs', () => {
  it('FlowMo-Lo encoder and decoder trace with a dynamic batch (weights as views of one zero buffer)', () => {
    const model = new FlowMo(preset('flowmo-lo'))
    const largest = Math.max(...model.parameters().map((p) => p.shape.reduce((a, b) => a * b, 1)))
    const zeros = new Float32Array(largest)
    const weights = (ref: { shape: readonly number[] }) => zeros.subarray(0, ref.shape.reduce((a, b) => a * b, 1))
    const enc = traceModel({ inputs: [{ name: 'x', shape: [-1, 3, 256, 256] }], build: (o, x) => model.encode(o, x), outputNames: ['code_pre'], weights })
    expect(enc.graph.outputs).toEqual([{ name: 'code_pre', shape: [-1, 256, 18] }])
    const dec = traceModel({
      inputs: [{ name: 'x_t', shape: [-1, 3, 256, 256] }, { name: 'code_in', shape: [-1, 256, 19] }, { name: 't', shape: [-1] }],
      build: (o, xt, c, t) => model.decode(o, xt, c, t), outputNames: ['v'], weights,
    })
    expect(dec.graph.outputs).toEqual([{ name: 'v', shape: [-1, 3, 256, 256] }])
    expect(dec.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention')).toHaveLength(preset('flowmo-lo').decoder.depth)
  })
})
