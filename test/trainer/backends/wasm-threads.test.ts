// The threaded wasm backend in Node: the pool really has the asked-for threads, results match the cpu backend,
// and the process can still exit (the pool's workers must not hold the event loop; checked in a child process).
import { execFileSync } from 'node:child_process'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/trainer/backend'

beforeAll(() => {
  process.env.FLOWMO_THREADS = '2' // read when wasm is first prepared in this process
})

async function matMulOn(backend: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array> {
  await initBackend(backend)
  const y = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n]))
  return (await y.data()) as Float32Array
}

describe('wasm threads in Node', () => {
  it('runs XNNPACK with 2 threads and matches cpu', async () => {
    const info = await initBackend('wasm')
    expect(info.threads).toBe(2)
    expect(info.notices).toEqual([])
    const n = 192 // large enough for XNNPACK to split the work across the pool
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i))
    const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(3 * i))
    const onWasm = await matMulOn('wasm', a, b, n)
    const onCpu = await matMulOn('cpu', a, b, n)
    const maxDiff = onWasm.reduce((m, v, i) => Math.max(m, Math.abs(v - onCpu[i])), 0)
    expect(maxDiff).toBeLessThan(1e-3)
  })

  it('lets a process that used the pool exit on its own', () => {
    const script = `(async () => {
      const { initBackend } = await import('./src/trainer/backend.ts')
      const tf = await import('@tensorflow/tfjs-core')
      const info = await initBackend('wasm')
      tf.matMul(tf.ones([128, 128]), tf.ones([128, 128])).dataSync()
      console.log(info.threads)
    })()`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, FLOWMO_THREADS: '2' },
      timeout: 120_000, // a pool that keeps the process alive fails here instead of hanging
    })
    expect(out.toString().trim()).toBe('2')
  })
})
