// Test runner config: test/ mirrors src/; long checks live in bench/, not here.
import { defineConfig } from 'vitest/config'
import { workMs } from './test/fixtures/work-wait'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // generous: CI runs on a loaded machine; tests assert what happened and in which order, never how fast
    testTimeout: 300_000,
    hookTimeout: 300_000,
    expect: { poll: { timeout: workMs } }, // an expect.poll without its own timeout (vitest's default is 1 s)
    pool: 'forks',
    maxWorkers: 2,
  },
})
