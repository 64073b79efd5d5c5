// onnxruntime's WebGPU provider on Mesa lavapipe (installed by .ci/run): the adapter is found, every golden set's
// exported graphs reproduce the reference there, exports for webgpu avoid the fused attention it computes wrongly
// (shown on one MultiHeadAttention node against a float64 recomputation), and a fused export falls back to cpu.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'
import { exportFlowMo } from '../../../src/trainer/export/flowmo-export'
import { attr, OnnxGraph } from '../../../src/trainer/export/onnx-graph'
import { encodeModel } from '../../../src/trainer/export/onnx-proto'
import { resolveDevice, sessionOptionsFor, webGpuAdapter, type OrtDevice } from '../../../src/trainer/export/ort-device'
import { checkGoldenSetOrt } from '../../../src/trainer/export/ort-parity'
import { OrtModel } from '../../../src/trainer/inference/ort-model'
import { findGoldenSets } from '../../../src/trainer/parity/golden-set'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { rowLine } from '../../../src/trainer/parity/run'

const sets = findGoldenSets(goldenDir())
const work = mkdtempSync(join(tmpdir(), 'flowmo-webgpu-'))

beforeAll(async () => {
  process.env.XDG_RUNTIME_DIR ??= work // Mesa's Vulkan loader wants one; CI shells may not set it
  await initBackend()
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** softmax(q kᵀ·scale) v for q [L, H·D] and k, v [H, L, D] (batch 1), by MultiHeadAttention on `device`. */
async function fusedAttention(device: OrtDevice, q: Float32Array, k: Float32Array, v: Float32Array, H: number, L: number, D: number, scale: number) {
  const g = new OnnxGraph('mha')
  g.addInput('q', [1, L, H * D])
  g.addInput('k', [1, H, L, D])
  g.addInput('v', [1, H, L, D])
  const [out] = g.addDomainNode('com.microsoft', 1, 'MultiHeadAttention', ['q', 'k', 'v'], [attr.int('num_heads', H), attr.float('scale', scale)])
  g.addOutput(out, [1, L, H * D])
  const session = await ort.InferenceSession.create(Buffer.concat(encodeModel(g.toModel())), sessionOptionsFor(device))
  const feeds = { q: new ort.Tensor('float32', q, [1, L, H * D]), k: new ort.Tensor('float32', k, [1, H, L, D]), v: new ort.Tensor('float32', v, [1, H, L, D]) }
  const res = (await session.run(feeds))[out].data as Float32Array
  await session.release()
  return res
}

/** The same attention in float64. */
function attentionF64(q: Float32Array, k: Float32Array, v: Float32Array, H: number, L: number, D: number, scale: number): Float64Array {
  const out = new Float64Array(L * H * D)
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < L; i++) {
      const w = Array.from({ length: L }, (_, j) => {
        let s = 0
        for (let d = 0; d < D; d++) s += q[i * H * D + h * D + d] * k[(h * L + j) * D + d]
        return s * scale
      })
      const m = Math.max(...w)
      const e = w.map((s) => Math.exp(s - m))
      const z = e.reduce((a, b) => a + b, 0)
      for (let d = 0; d < D; d++) out[i * H * D + h * D + d] = e.reduce((acc, p, j) => acc + (p / z) * v[(h * L + j) * D + d], 0)
    }
  }
  return out
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0)
const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(12.9898 * (i + 1) * seed) * 0.9)

describe('onnxruntime on WebGPU (lavapipe)', () => {
  it('finds a WebGPU adapter and names it; auto does not pick a software one', async () => {
    const adapter = await webGpuAdapter()
    expect(adapter.name.length).toBeGreaterThan(0)
    expect(adapter.backend).toBe('vulkan')
    if (/llvmpipe/.test(adapter.name)) expect(adapter.software).toBe(true)
    expect(await resolveDevice('auto')).toBe(adapter.software ? 'cpu' : 'webgpu')
  })

  it("fused MultiHeadAttention: exact on cpu, wrong on webgpu at head size 16 and 40 keys (so webgpu exports are unfused)", async () => {
    const [H, L, D, scale] = [2, 40, 16, 0.25]
    const [q, k, v] = [noise(L * H * D, 1), noise(L * H * D, 2), noise(L * H * D, 3)]
    const ref = attentionF64(q, k, v, H, L, D, scale)
    expect(maxAbsDiff(await fusedAttention('cpu', q, k, v, H, L, D, scale), ref)).toBeLessThan(1e-6)
    // onnxruntime 1.30's flash-attention kernel (head size % 4 == 0): if this starts to pass, revisit fusedAttentionOn
    expect(maxAbsDiff(await fusedAttention('webgpu', q, k, v, H, L, D, scale), ref)).toBeGreaterThan(1e-3)
  })

  it.each(sets.map((d) => [d.split('/').pop()!, d]))('%s: exported graphs on webgpu reproduce the reference and tfjs', async (_name, dir) => {
    const rows = await checkGoldenSetOrt(dir, { device: 'webgpu' })
    expect(rows.filter((r) => !r.ok).map(rowLine)).toEqual([])
    expect(rows.find((r) => r.tensor === 'enc_code [onnxruntime]')!.maxAbs).toBe(0)
    expect(rows.find((r) => r.tensor === 'sample_nfe [onnxruntime]')!.maxAbs).toBe(0)
  })

  it('OrtModel.open exports unfused attention for webgpu; a fused export asked onto webgpu runs on cpu with a notice', async () => {
    const src = { checkpoint: join(sets[0], 'weights.safetensors'), config: join(sets[0], 'config.json') }
    const model = await OrtModel.open(src, { device: 'webgpu', cacheDir: join(work, 'cache') })
    expect([model.device, model.manifest?.fusedAttention]).toEqual(['webgpu', false])
    await model.dispose()
    await exportFlowMo(src, join(work, 'fused'), { fusedAttention: true })
    const notices: string[] = []
    const fused = await OrtModel.load(join(work, 'fused'), { device: 'webgpu', onNotice: (m) => notices.push(m) })
    expect(fused.device).toBe('cpu')
    expect(notices.join('\n')).toMatch(/fused attention.*running on cpu/)
    await fused.dispose()
  })
})
