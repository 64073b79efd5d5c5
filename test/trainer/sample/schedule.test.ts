// The sampler's time grids, guidance interval and NFE count, against the values in the reference spec §4.
import { describe, expect, it } from 'vitest'
import { cfgIntervalT, getSchedule, powSchedule } from '../../../src/trainer/sample/schedule'
import { rfSample, type SampleOps } from '../../../src/trainer/sample/rf-sample'
import { DEFAULT_SAMPLING } from '../../../src/trainer/model/configs'

describe('getSchedule', () => {
  it('pow_0.25 with 25 steps is t_i = ((25−i)/25)^4 down to 0', () => {
    const { ts, dts } = getSchedule(25, 'pow_0.25')
    expect(ts.length).toBe(26)
    const spec = [1.0, 0.849347, 0.716393, 0.599695, 0.497871, 0.4096, 0.333622, 0.268739, 0.213814, 0.167772, 0.1296]
    spec.forEach((t, i) => expect(ts[i]).toBeCloseTo(t, 6))
    expect(ts[25]).toBe(0)
    expect(dts.every((d) => d > 0)).toBe(true)
    expect(dts.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
  })
  it('linear has n steps of 1/n and no trailing 0', () => {
    const { ts, dts } = getSchedule(8, 'linear')
    expect(Array.from(ts)).toEqual([1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125])
    expect(Array.from(dts)).toEqual(new Array(8).fill(0.125))
  })
  it('ρ maps to pow_1/ρ and ρ = 1 is uniform', () => {
    expect(powSchedule(4)).toBe('pow_0.25')
    const { dts } = getSchedule(4, powSchedule(1))
    expect(Array.from(dts)).toEqual([0.25, 0.25, 0.25, 0.25])
  })
  it('rejects bad schedules and step counts', () => {
    expect(() => getSchedule(0, 'linear')).toThrow(/positive integer/)
    expect(() => getSchedule(5, 'cosine')).toThrow(/unknown sampler schedule "cosine"/)
    expect(() => powSchedule(0)).toThrow(/positive/)
  })
})

describe('cfgIntervalT', () => {
  it('converts the EDM σ interval with σ/(1+σ)', () => {
    const [lo, hi] = cfgIntervalT('(.17,1.02)')
    expect(lo).toBeCloseTo(0.1452991, 7)
    expect(hi).toBeCloseTo(0.5049505, 7)
    expect(cfgIntervalT(null)).toEqual([-Infinity, Infinity])
    expect(() => cfgIntervalT('0.17-1.02')).toThrow(/must look like/)
  })
})

describe('rfSample', () => {
  // plain arrays: z and v are number[]; v(z) = z + t so every step is checkable by hand
  const ops: SampleOps<number[]> = {
    add: (a, b) => a.map((x, i) => x + b[i]),
    sub: (a, b) => a.map((x, i) => x - b[i]),
    scale: (a, s) => a.map((x) => x * s),
    release: () => {},
  }
  it('makes 31 decoder calls with the reference sampler, guiding at steps 4..9', async () => {
    const calls: { t: number; nullCode: boolean }[] = []
    const res = await rfSample(ops, async (z, code, t) => (calls.push({ t, nullCode: code[0] === 0 }), z.map((x) => x + t)), [1, 2], [1, 1], DEFAULT_SAMPLING)
    expect(res.nfe).toBe(31)
    expect(res.cfgApplied.map((g, i) => (g ? i : -1)).filter((i) => i >= 0)).toEqual([4, 5, 6, 7, 8, 9])
    expect(calls.filter((c) => c.nullCode).length).toBe(6)
  })
  it('is Euler z ← z − dt·v with v = v_u + cfg·(v_c − v_u)', async () => {
    const s = { steps: 2, schedule: 'linear', cfg: 2, cfgInterval: null }
    // v_c = 1, v_u = 0 → guided v = 2 at both steps; z = 10 − 0.5·2 − 0.5·2 = 8
    const res = await rfSample(ops, async (_z, code) => [code[0] === 0 ? 0 : 1], [10], [1], s, { keepTrajectory: true })
    expect(res.trajectory).toEqual([[9], [8]])
    expect(res.final).toEqual([8])
    // x̂₀ = z_t − t·v̂ with the guided v̂: 10 − 1·2 at t = 1, 9 − 0.5·2 at t = 0.5
    expect(res.predicted).toEqual([[8], [8]])
  })
  it('keeps x̂₀ only with the trajectory', async () => {
    const res = await rfSample(ops, async (z) => z, [1], [1], { ...DEFAULT_SAMPLING, cfg: 1 })
    expect([res.trajectory, res.predicted]).toEqual([[], []])
  })
  it('never calls the null code when cfg is 1', async () => {
    const res = await rfSample(ops, async (z) => z, [1], [1], { ...DEFAULT_SAMPLING, cfg: 1 })
    expect(res.nfe).toBe(25)
  })
  it('stops when aborted', async () => {
    const ctl = new AbortController()
    ctl.abort()
    await expect(rfSample(ops, async (z) => z, [1], [1], DEFAULT_SAMPLING, { signal: ctl.signal })).rejects.toThrow()
  })
})
