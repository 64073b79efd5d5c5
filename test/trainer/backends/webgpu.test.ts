// Dawn set-up for the webgpu backend without a GPU: flags from WGPU_FLAGS, the set-ups and feature levels tried,
// and the error that names the packages when no adapter exists (a fake `webgpu` module).
import { afterEach, describe, expect, it } from 'vitest'
import { MESA_GL_PACKAGES, dawnAttempts, dawnFlags, featureLevels, registerWebGpu, type DawnModule } from '../../../src/trainer/backends/webgpu'

const savedFlags = process.env.WGPU_FLAGS
afterEach(() => {
  if (savedFlags === undefined) delete process.env.WGPU_FLAGS
  else process.env.WGPU_FLAGS = savedFlags
})

describe('dawnFlags', () => {
  it('splits WGPU_FLAGS on commas and drops blanks', () => {
    expect(dawnFlags(' backend=opengles, ,enable-dawn-features=allow_unsafe_apis')).toEqual(['backend=opengles', 'enable-dawn-features=allow_unsafe_apis'])
    expect(dawnFlags(undefined)).toEqual([])
  })
})

describe('featureLevels', () => {
  it('asks the GL backends for compatibility only, any other backend for core first', () => {
    expect(featureLevels(['backend=opengles'])).toEqual(['compatibility'])
    expect(featureLevels(['backend=OpenGL'])).toEqual(['compatibility'])
    expect(featureLevels(['backend=vulkan'])).toEqual(['core', 'compatibility'])
    expect(featureLevels([])).toEqual(['core', 'compatibility'])
  })
})

describe('dawnAttempts', () => {
  it('tries WGPU_FLAGS alone when set, else Dawn\'s default pick and then the software GL path', () => {
    expect(dawnAttempts(['backend=vulkan'])).toEqual([
      { flags: ['backend=vulkan'], level: 'core' }, { flags: ['backend=vulkan'], level: 'compatibility' },
    ])
    expect(dawnAttempts([])).toEqual([
      { flags: [], level: 'core' }, { flags: [], level: 'compatibility' }, { flags: ['backend=opengles'], level: 'compatibility' },
    ])
  })
})

describe('registerWebGpu', () => {
  it('without an adapter, tries core then compatibility and fails naming the flags tried and the Mesa packages', async () => {
    process.env.WGPU_FLAGS = 'backend=vulkan'
    const asked: (string | undefined)[] = []
    const dawn: DawnModule = {
      create: (flags) => {
        expect(flags).toEqual(['backend=vulkan'])
        return { requestAdapter: async (options) => (asked.push(options?.featureLevel), null) }
      },
      globals: {},
    }
    const Backend = class {} as never
    await expect(registerWebGpu(dawn, Backend)).rejects.toThrow('(Dawn flags tried: backend=vulkan)')
    await expect(registerWebGpu(dawn, Backend)).rejects.toThrow(MESA_GL_PACKAGES)
    expect(asked.slice(0, 2)).toEqual(['core', 'compatibility'])
  })
})
