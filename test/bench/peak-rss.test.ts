// bench/peak-rss.py, which gives the PyTorch rows of `npm run bench` their peak RSS: the child's own ru_maxrss,
// its output passed through, its exit status kept.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const script = resolve(__dirname, '../../bench/peak-rss.py')
const run = (code: string) => {
  const r = spawnSync('/usr/bin/python3', [script, '/usr/bin/python3', '-c', code], { encoding: 'utf8' })
  const lines = r.stdout.trim().split('\n')
  return { status: r.status, lines, peak: (JSON.parse(lines.at(-1)!) as { peak_rss_mb: number; exit: number }) }
}

describe('bench/peak-rss.py', () => {
  it("reports the child's peak RSS, not the wrapper's, after the child's own output", () => {
    const small = run("print('small')")
    const big = run("b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); del b; print('big')") // 300 MB touched, then freed
    expect(small.lines[0]).toBe('small')
    expect(big.lines[0]).toBe('big')
    expect(big.peak.peak_rss_mb - small.peak.peak_rss_mb).toBeGreaterThan(290) // the peak, though freed before exit
    expect(big.peak.peak_rss_mb - small.peak.peak_rss_mb).toBeLessThan(330)
  })

  it("keeps the child's exit status", () => {
    const r = run('import sys; sys.exit(3)')
    expect(r.status).toBe(3)
    expect(r.peak.exit).toBe(3)
  })
})
