// `flowmo convert` as the acceptance contract runs it: the golden .pth → safetensors → .pth by the CLI, read back
// with our .pth reader: both state dicts bit-equal and in order, total_steps kept; bad requests are one-line errors.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openPth } from '../../src/trainer/checkpoint/pth'
import { goldenDir } from '../../src/trainer/parity/golden-dir'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-convert-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const golden = join(goldenDir(), 'tiny-a')

function flowmo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/flowmo.mjs', ...args], { encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('flowmo convert', () => {
  it('pth → safetensors → pth keeps both state dicts bit-equal, in order, and total_steps', async () => {
    const st = join(dir, 'F.safetensors')
    const back = join(dir, 'G.pth')
    const a = flowmo('convert', '--checkpoint', join(golden, 'checkpoint.pth'), '--config', join(golden, 'config.json'), '--to', 'safetensors', '--out', st)
    expect(a.stderr).toBe('')
    expect(a.code).toBe(0)
    expect(a.stdout).toContain('step 1234')
    const b = flowmo('convert', '--checkpoint', st, '--to', 'pth', '--out', back)
    expect(b.code, b.stderr).toBe(0)
    expect(existsSync(join(dir, 'config.yaml'))).toBe(true)
    const [orig, conv] = [await openPth(join(golden, 'checkpoint.pth')), await openPth(back)]
    try {
      expect(conv.scalars.get('total_steps')).toBe(1234)
      for (const key of ['model_ema_state_dict', 'model_state_dict']) {
        const [x, y] = [orig.stateDicts.get(key)!, conv.stateDicts.get(key)!]
        expect([...y.keys()]).toEqual([...x.keys()])
        for (const [name, t] of x) {
          const [u, v] = [await t.read(), await y.get(name)!.read()]
          expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(u.buffer, u.byteOffset, u.byteLength)), name).toBe(true)
        }
      }
    } finally {
      await orig.close()
      await conv.close()
    }
  })

  it('usage errors exit 2 with one line; a shape-only config that cannot be implied names --config', () => {
    const noTo = flowmo('convert', '--checkpoint', join(golden, 'checkpoint.pth'), '--out', join(dir, 'x.safetensors'))
    expect(noTo.code).toBe(2)
    expect(noTo.stderr.split('\n')[0]).toBe("flowmo convert: --to expects pth or safetensors, got ''")
    const implied = flowmo('convert', '--checkpoint', join(golden, 'checkpoint.pth'), '--to', 'safetensors', '--out', join(dir, 'y.safetensors'))
    expect(implied.code).toBe(1)
    expect(implied.stderr).toMatch(/checkpoint\.pth: head_dim 16 .* pass --config/)
    expect(existsSync(join(dir, 'y.safetensors'))).toBe(false)
  })
})
