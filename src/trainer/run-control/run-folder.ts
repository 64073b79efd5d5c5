// An existing run folder (architecture.md §3 layout, train/run-dir.ts) read back for browsing and comparing runs:
// run.json, metrics.jsonl parsed line by line, sample PNGs and checkpoints by step; one sample as pixels.
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { RunFileEntry, RunHistory, RunSampleEvent } from '../../shared/payloads/runs'
import { RpcError } from '../../shared/rpc'
import { readable } from '../jobs/paths'
import { officialRunHistory, watchOut } from '../official/run-history'
import { RunDir } from '../train/run-dir'

const SAMPLE = /^step-(\d{6,})\.png$/

export async function openRunFolder(dir: string, activeRunIn: (real: string) => string | null): Promise<RunHistory> {
  const real = await readable(dir)
  if (!(await stat(real)).isDirectory()) throw new RpcError(`${dir} is not a folder`, 'not-a-folder')
  const run = new RunDir(real)
  if (!existsSync(run.runJson) && !existsSync(run.metrics)) {
    if (isOfficialRun(real)) return officialRunHistory(real, activeRunIn(real), await sampleFiles(new RunDir(watchOut(real)))) // results/<exp>/ of train.py
    throw new RpcError(`${dir} is not a run folder: no run.json or metrics.jsonl (ours), no config.yaml or checkpoints/ (the official trainer's)`, 'not-a-run')
  }
  const { metrics, badLines } = await readMetrics(run.metrics)
  const checkpoints = (await run.listCheckpoints()).map((c): RunFileEntry => ({ step: c.step, path: c.model }))
  return { dir: real, run: await readJson(run.runJson), metrics, badLines, samples: await sampleFiles(run), checkpoints, activeRunId: activeRunIn(real), official: null }
}

/** The official trainer's results/<exp>/ (and not ours): config.yaml or checkpoints/ without run.json or metrics.jsonl. */
function isOfficialRun(real: string): boolean {
  const run = new RunDir(real)
  return !existsSync(run.runJson) && !existsSync(run.metrics) && (existsSync(join(real, 'config.yaml')) || existsSync(run.checkpoints))
}

/** samples/step-N.png of a run folder (of an official one: flowmo watch's) as RGB pixels. */
export async function runSample(dir: string, step: number): Promise<RunSampleEvent> {
  const real = await readable(dir)
  const path = new RunDir(isOfficialRun(real) ? watchOut(real) : real).samplePath(step)
  await readable(path) // not-found when the run has no sample at this step
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { runId: '', step, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), shape: [info.height, info.width, 3], path }
}

async function readMetrics(path: string): Promise<{ metrics: Record<string, unknown>[]; badLines: number }> {
  if (!existsSync(path)) return { metrics: [], badLines: 0 }
  const metrics: Record<string, unknown>[] = []
  let badLines = 0
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue
    try {
      const record: unknown = JSON.parse(line)
      if (typeof record === 'object' && record !== null && !Array.isArray(record)) metrics.push(record as Record<string, unknown>)
      else badLines++
    } catch {
      badLines++ // a line cut short by a kill
    }
  }
  return { metrics, badLines }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch {
    return null
  }
}

async function sampleFiles(run: RunDir): Promise<RunFileEntry[]> {
  if (!existsSync(run.samples)) return []
  const steps = (await readdir(run.samples)).map((f) => SAMPLE.exec(f)).filter((m) => m !== null).map((m) => Number(m[1]))
  return steps.sort((a, b) => a - b).map((step) => ({ step, path: join(run.samples, `step-${String(step).padStart(6, '0')}.png`) }))
}
