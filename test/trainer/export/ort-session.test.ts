// The training sessions' intra-op threads: FLOWMO_THREADS when it names a count, else every core (0).
import { afterEach, describe, expect, it } from 'vitest'
import { trainingThreads } from '../../../src/trainer/export/ort-session'

const saved = process.env.FLOWMO_THREADS
afterEach(() => {
  if (saved === undefined) delete process.env.FLOWMO_THREADS
  else process.env.FLOWMO_THREADS = saved
})

describe('trainingThreads', () => {
  it('takes FLOWMO_THREADS when it is a positive count, else every core', () => {
    const cases: [string | undefined, number][] = [[undefined, 0], ['1', 1], ['3', 3], ['0', 0], ['-2', 0], ['many', 0]]
    for (const [value, threads] of cases) {
      if (value === undefined) delete process.env.FLOWMO_THREADS
      else process.env.FLOWMO_THREADS = value
      expect(trainingThreads(), `FLOWMO_THREADS=${value}`).toBe(threads)
    }
  })
})
