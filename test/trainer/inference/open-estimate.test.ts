// The estimate before opening a checkpoint: weights and decoder FLOPs against arithmetic on the reference's FlowMo-Lo
// state dict, and the refusal under a small memory budget (FLOWMO_MEMORY_GB) on a tiny-64 checkpoint: before the
// export when the sessions would not fit, before the export only when the cache lacks it, never a tfjs fallback.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { writeRandomCheckpoint } from '../../../src/trainer/checkpoint/random-checkpoint'
import { openFastModel } from '../../../src/trainer/inference/fast-path'
import { estimateOpen, memoryBudget, WontFitError } from '../../../src/trainer/inference/open-estimate'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { PRESETS } from '../../../src/trainer/model/configs'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'

const work = mkdtempSync(join(tmpdir(), 'flowmo-open-estimate-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
afterEach(() => void delete process.env.FLOWMO_MEMORY_GB)

const lo = JSON.parse(readFileSync(join(goldenDir(), 'state-dict-shapes.json'), 'utf8')).configs['FlowMo-Lo']
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

describe('open estimate', () => {
  it('FlowMo-Lo: weights are 4 bytes per reference parameter; decoder FLOPs are the reference matmuls plus attention', () => {
    const state: [string, number[]][] = lo.state_dict
    const parameters = state.reduce((n, [, shape]) => n + size(shape), 0)
    const e = estimateOpen(PRESETS['flowmo-lo'](), parameters, 'cpu')
    expect(e.weightBytes).toBe(4 * 945_374_085)
    // per token, its stream's qkv, proj and MLP weights (2 FLOP per multiply-add); 4096 patches + 256 code tokens
    const stream = (s: string) => state.filter(([n, shape]) => new RegExp(`^decoder\\.double_blocks\\.\\d+\\.${s}_(attn\\.(qkv|proj)|mlp\\.\\d)\\.weight$`).test(n) && shape.length === 2)
    const matmuls = 2 * 4096 * stream('img').reduce((n, [, s]) => n + size(s), 0) + 2 * 256 * stream('txt').reduce((n, [, s]) => n + size(s), 0)
    const attention = 16 * 4 * 4352 ** 2 * 1152 // QKᵀ and AV per block, 16 blocks, width 1152
    expect(e.decoderFlops).toBe(matmuls + attention)
    expect(e.callsPerStep).toBe(2) // Lo samples with CFG 1.5
    // the measured FlowMo-Lo peaks (docs/performance.md): 8.85 GB export + decode, 5.94 GB with the export cached
    expect(e.exportPeakBytes / 1e9).toBeGreaterThan(8.85 * 0.9)
    expect(e.exportPeakBytes / 1e9).toBeLessThan(8.85 * 1.1)
    expect(e.inferencePeakBytes / 1e9).toBeGreaterThan(5.94 * 0.9)
    expect(e.inferencePeakBytes / 1e9).toBeLessThan(5.94 * 1.1)
    // batch 4 costs 4× the FLOPs; a software WebGPU adapter is slower than the CPU provider
    expect(estimateOpen(PRESETS['flowmo-lo'](), parameters, 'cpu', { batch: 4 }).decoderFlops).toBe(4 * e.decoderFlops)
    const webgpu = estimateOpen(PRESETS['flowmo-lo'](), parameters, 'webgpu', { softwareAdapter: true })
    expect(webgpu.stepSeconds).toBeGreaterThan(e.stepSeconds)
    // webgpu runs the unfused graph: 12 heads × 4352² float32 scores, twice, on top
    expect(webgpu.inferencePeakBytes - e.inferencePeakBytes).toBe(2 * 4 * 12 * 4352 ** 2)
  })

  it('FLOWMO_MEMORY_GB sets the budget; a bad value is one clear line', () => {
    process.env.FLOWMO_MEMORY_GB = '0.5'
    expect(memoryBudget()).toEqual({ bytes: 0.5e9, source: 'FLOWMO_MEMORY_GB' })
    process.env.FLOWMO_MEMORY_GB = 'lots'
    expect(() => memoryBudget()).toThrow("FLOWMO_MEMORY_GB must be a positive number of gigabytes, got 'lots'")
  })

  it('refuses before loading when the sessions would not fit, and before exporting only when the cache lacks the export', async () => {
    const path = join(work, 'tiny.pth')
    const { parameters } = await writeRandomCheckpoint('tiny-64', path)
    const cacheDir = join(work, 'cache')
    const e = estimateOpen(PRESETS['tiny-64'](), parameters, 'cpu')
    const between = (e.inferencePeakBytes + e.exportPeakBytes) / 2 / 1e9 // the sessions fit, the export does not
    const src = { checkpoint: path, preset: 'tiny-64' }
    const entries = () => (existsSync(cacheDir) ? readdirSync(cacheDir, { withFileTypes: true }).filter((f) => f.isDirectory()).map((f) => f.name) : [])

    process.env.FLOWMO_MEMORY_GB = String(e.inferencePeakBytes / 2 / 1e9)
    await expect(OrtModel.open(src, { device: 'cpu', cacheDir, onNotice: () => {} })).rejects.toThrow(new RegExp(`^${path}: the inference needs ~0\\.\\d+ GB of memory and FLOWMO_MEMORY_GB is 0\\.\\d+ GB`))
    // auto path: no tfjs fallback either
    await expect(openFastModel(src, { device: 'cpu', cacheDir, onNotice: () => {} })).rejects.toBeInstanceOf(WontFitError)

    process.env.FLOWMO_MEMORY_GB = String(between)
    await expect(OrtModel.open(src, { device: 'cpu', cacheDir, onNotice: () => {} })).rejects.toThrow(`${path}: the export needs`)
    expect(entries()).toEqual([]) // refused before anything was written

    delete process.env.FLOWMO_MEMORY_GB
    const notices: string[] = []
    const first = await OrtModel.open(src, { device: 'cpu', cacheDir, onNotice: (m) => notices.push(m) })
    await first.dispose()
    expect(notices[0]).toMatch(/^estimate on cpu: export peak ~0\.\d+ GB \(first open only\), inference peak ~0\.\d+ GB \(batch 1\), ~[\d.]+ m?s per sampler step \([\d.e-]+ TFLOP per decoder call ×2 with CFG\)$/)
    expect(first.estimate).toEqual(e)

    process.env.FLOWMO_MEMORY_GB = String(between) // exported now: only the sessions must fit
    const again = await OrtModel.open(src, { device: 'cpu', cacheDir, onNotice: () => {} })
    expect(again.dir).toBe(first.dir)
    await again.dispose()
  })
})
