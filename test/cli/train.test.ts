// `flowmo train` as a child process: SIGKILL after the first checkpoint, --resume continues the step count from it
// with exactly its weights and state (the resumed losses equal an uninterrupted run's); a fresh run into a used folder
// and a bad data folder fail early.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRunFixture, type RunFixture } from '../trainer/train/run-fixture'

const BIN = resolve(__dirname, '../../bin/flowmo.mjs')
let f: RunFixture
beforeAll(async () => {
  f = await makeRunFixture()
})
afterAll(() => rmSync(f.root, { recursive: true, force: true }))

const args = (out: string, maxSteps: number, extra: string[] = []) => [
  BIN, 'train', '--data', f.data, '--config', f.configPath, '--out', out, '--max-steps', String(maxSteps),
  '--checkpoint-every', '4', '--batch', '2', '--lr', '1e-3', '--perceptual', 'none', '--log-every', '1',
  '--sample-every', '1000', '--val-every', '1000', '--val-images', '2', ...extra,
]
const flowLosses = (out: string) => new Map(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { step: number; flow_loss?: number }).filter((r) => r.flow_loss !== undefined).map((r) => [r.step, r.flow_loss!]))

/** Starts a run and SIGKILLs it once it has announced its first checkpoint; resolves with that checkpoint's path. */
function killAfterFirstCheckpoint(out: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args(out, 1000), { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
      const m = /checkpoint (\S+step-000004\.safetensors)/.exec(err)
      if (m && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL')
        child.on('exit', () => done(m[1]))
      }
    })
    child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') fail(new Error(`run ended (${code}) before its first checkpoint:\n${err}`)) })
  })
}

describe('flowmo train', () => {
  it('resumes after SIGKILL from the last checkpoint: the step count continues and the run matches an uninterrupted one', async () => {
    const out = join(f.root, 'killed')
    const ckpt = await killAfterFirstCheckpoint(out)
    expect(existsSync(ckpt)).toBe(true)
    const resumed = spawnSync(process.execPath, args(out, 7, ['--resume']), { encoding: 'utf8' })
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/resuming from \S+step-000004\.safetensors \(step 4\)/)
    expect(resumed.stdout).toMatch(/finished at step 7/)
    const reference = join(f.root, 'uninterrupted')
    const straight = spawnSync(process.execPath, args(reference, 7), { encoding: 'utf8' })
    expect(straight.status, straight.stderr).toBe(0)
    const a = flowLosses(out)
    const b = flowLosses(reference)
    expect([...a.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7])
    for (const step of [5, 6, 7]) expect(Math.abs(a.get(step)! - b.get(step)!) / b.get(step)!, `step ${step}`).toBeLessThan(1e-4)
    const again = spawnSync(process.execPath, args(reference, 7), { encoding: 'utf8' }) // a fresh run into a used folder
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/already holds a run \(checkpoints up to step \d+\): continue it with --resume, or choose a new --out folder/)
    expect(flowLosses(reference)).toEqual(b)
  })

  it('a data folder without usable images is a clear error before training starts', () => {
    const out = join(f.root, 'bad')
    const res = spawnSync(process.execPath, args(out, 5).map((a) => (a === f.data ? f.root + '/empty-nothing' : a)), { encoding: 'utf8' })
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/^flowmo train: error: \S+empty-nothing does not exist$/m)
    expect(existsSync(out)).toBe(false)
  })

  it.each(['fsq', 'continuous'])('--quantizer %s trains a checkpoint that records it, and flowmo eval scores it', (kind) => {
    const out = join(f.root, `q-${kind}`)
    const trained = spawnSync(process.execPath, args(out, 2, ['--quantizer', kind, '--checkpoint-every', '2']), { encoding: 'utf8' })
    expect(trained.status).toBe(0)
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { config: { quantizer: { kind: string } } }
    expect(run.config.quantizer.kind).toBe(kind)
    const ckpt = join(out, 'checkpoints', 'step-000002.safetensors')
    const info = spawnSync(process.execPath, [BIN, 'info', ckpt], { encoding: 'utf8' })
    expect(info.stdout).toMatch(kind === 'fsq' ? /levels \[8, 8\] = 6\.00 bits\/token, 0\.1875 BPP \(FSQ\)/ : /48 latent values, no BPP \(continuous, noise sync 0\.1\)/)
    const json = join(out, 'eval.json')
    const evaluated = spawnSync(process.execPath, [BIN, 'eval', '--checkpoint', ckpt, '--data', f.data, '--n', '2', '--steps', '2', '--metrics', 'psnr', '--json', json], { encoding: 'utf8' })
    expect(evaluated.status).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as { metrics: { psnr: number }; codes: { quantizer: string } }
    expect(report.metrics.psnr).toBeGreaterThan(0)
    expect(report.codes.quantizer).toBe(kind)
  })

  it('an unknown --quantizer is a usage error', () => {
    const res = spawnSync(process.execPath, args(join(f.root, 'q-bad'), 2, ['--quantizer', 'vq']), { encoding: 'utf8' })
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/--quantizer expects lfq \| fsq \| continuous, got 'vq'/)
  })

  it('--resume continues a Stage-1B run as Stage 1B without --stage, and refuses --stage 1a or another model', () => {
    const out = join(f.root, 'stage-1b')
    const first = spawnSync(process.execPath, args(out, 2, ['--stage', '1b', '--chain-steps', '2', '--checkpoint-every', '2']), { encoding: 'utf8' })
    expect(first.status, first.stderr).toBe(0)
    const resumed = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume', '--max-steps', '3'], { encoding: 'utf8' })
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(resumed.stdout).toMatch(/finished at step 3/)
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; stage?: string })
    expect(steps.filter((r) => r.stage !== undefined).map((r) => [r.step, r.stage])).toEqual([[1, '1b'], [2, '1b'], [3, '1b']])
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { options: Record<string, unknown> }
    expect(runJson.options).toMatchObject({ stage: '1b', chainSteps: 2, batchSize: 2, lr: 1e-3, maxSteps: 3 })
    const contradicting = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume', '--stage', '1a'], { encoding: 'utf8' })
    expect(contradicting.status).toBe(2)
    expect(contradicting.stderr).toMatch(/flowmo train: \S+stage-1b is a run with stage 1b \(\S+step-000003\.safetensors\); a resume continues it as such, so stage 1a is refused/)
    const otherModel = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume', '--preset', 'tiny-64'], { encoding: 'utf8' })
    expect(otherModel.status).toBe(2)
    expect(otherModel.stderr).toMatch(/is a run with model 'test-tiny' \(16 px.*so model 'tiny-64'.* is refused/)
    const otherLr = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume', '--lr', '0.5'], { encoding: 'utf8' })
    expect(otherLr.status).toBe(2)
    expect(otherLr.stderr).toMatch(/is a run with lr 0\.001 .* so lr 0\.5 is refused/)
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(steps.length) // the refusals wrote nothing
  })

  it('a second process on a training run folder is refused, naming the process that holds it; its files stay untouched', async () => {
    const out = join(f.root, 'locked')
    const child = spawn(process.execPath, args(out, 100_000), { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((done) => child.stderr.on('data', (chunk: Buffer) => { if (/training engine:/.test(chunk.toString())) done() }))
      const second = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume'], { encoding: 'utf8' })
      expect(second.status).toBe(1)
      expect(second.stderr).toMatch(new RegExp(`flowmo train: error: another training run \\(pid ${child.pid}, started \\S+\\) is writing \\S+locked; wait for it or choose another run folder`))
    } finally {
      child.kill('SIGKILL')
    }
    await new Promise((done) => child.on('exit', done))
    const resumed = spawnSync(process.execPath, [BIN, 'train', '--out', out, '--resume', '--max-steps', '1'], { encoding: 'utf8' })
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/took over \S+lock: the training run that held it \(pid \d+, started \S+\) is no longer running/)
  })
})
