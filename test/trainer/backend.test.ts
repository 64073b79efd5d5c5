// initBackend: explicit names, FLOWMO_BACKEND, idempotence, unknown names, and fallbacks with a notice.
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs-core'
import { afterEach, describe, expect, it } from 'vitest'
import { BACKEND_NAMES, backendInfo, initBackend } from '../../src/trainer/backend'

const savedEnv = process.env.FLOWMO_BACKEND
afterEach(() => {
  if (savedEnv === undefined) delete process.env.FLOWMO_BACKEND
  else process.env.FLOWMO_BACKEND = savedEnv
})

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg)
    return true
  } catch {
    return false
  }
}

async function product2x2(): Promise<number[]> {
  const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]))
  return Array.from(await y.data())
}

describe('initBackend', () => {
  it('starts cpu when asked and computes on it', async () => {
    const info = await initBackend('cpu')
    expect(info).toMatchObject({ name: 'cpu', requested: 'cpu', threads: 1, simd: false, notices: [] })
    expect(info.tfjsVersion).toBe(tf.version_core)
    expect(tf.getBackend()).toBe('cpu')
    expect(await product2x2()).toEqual([19, 22, 43, 50])
  })

  it('starts wasm with SIMD and computes on it', async () => {
    const info = await initBackend('wasm')
    expect(info).toMatchObject({ name: 'wasm', requested: 'wasm', simd: true, notices: [] })
    expect(info.threads).toBeGreaterThanOrEqual(1)
    expect(tf.getBackend()).toBe('wasm')
    expect(await product2x2()).toEqual([19, 22, 43, 50])
  })

  it('is idempotent and remembers what it started', async () => {
    const first = await initBackend('cpu')
    const [again, raced] = await Promise.all([initBackend('cpu'), initBackend('CPU')])
    expect(again).toBe(first)
    expect(raced).toBe(first)
    expect(backendInfo()).toBe(first)
  })

  it('honours FLOWMO_BACKEND when no name is passed', async () => {
    process.env.FLOWMO_BACKEND = 'cpu'
    expect(await initBackend()).toMatchObject({ name: 'cpu', requested: 'cpu' })
    process.env.FLOWMO_BACKEND = 'wasm'
    expect(await initBackend()).toMatchObject({ name: 'wasm', requested: 'wasm' })
    expect(tf.getBackend()).toBe('wasm')
  })

  it('picks the best available when nothing is asked for', async () => {
    delete process.env.FLOWMO_BACKEND
    const info = await initBackend()
    expect(info.requested).toBeNull()
    expect(info.name).toBe(installed('@tensorflow/tfjs-node') ? 'tensorflow' : 'wasm')
    expect(info.notices).toEqual([])
  })

  it('rejects an unknown name and lists the valid ones', async () => {
    const failure = initBackend('tpu')
    await expect(failure).rejects.toThrow(/unknown backend "tpu"/)
    await expect(failure).rejects.toThrow(BACKEND_NAMES.join(', '))
  })

  it.each([
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
    ['webgpu', 'webgpu'],
  ])('%s falls back with a one-line notice when %s is missing', async (name, pkg) => {
    const info = await initBackend(name)
    expect(info.requested).toBe(name)
    if (installed(pkg)) {
      expect(info.name).toBe(name)
    } else {
      expect(info.name).toBe('wasm')
      expect(info.notices).toEqual([`${pkg} is not installed; using wasm`])
    }
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name)
  })
})
