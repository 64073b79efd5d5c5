// An official run folder as the reference train.py writes it (results/<experiment>/): config.yaml (OmegaConf dump of
// base.yaml + overrides), checkpoints/<step:08d>.pth, and TensorBoard event files (SummaryWriter(log_dir):
// events.out.tfevents.*) holding every logged scalar (losses, debug/*_norm, encoder_checksum, "Steps per sec", …).
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ZipArchive } from '../checkpoint/zip'
import { configFromDocument } from '../model/config-file'
import type { FlowMoConfig } from '../model/configs'
import { eventScalars, type ScalarEvent } from './tb-event'
import { readTfRecords } from './tfrecord'

const CHECKPOINT = /^(\d+)\.pth$/
const EVENTS = /^events\.out\.tfevents\./

export interface OfficialCheckpoint {
  file: string
  step: number
  bytes: number
  complete: boolean // its zip central directory is there: the trainer finished writing it
}

export interface ScalarPoint { step: number; wallTime: number; value: number }

export interface OfficialRun {
  folder: string
  config: { path: string; model: FlowMoConfig | null; modelError: string | null; document: Record<string, unknown> } | null
  checkpoints: OfficialCheckpoint[] // by step
  eventFiles: { file: string; records: number; complete: boolean }[] // complete false: the writer is mid-record
  scalars: Record<string, ScalarPoint[]> // every tag, points by step (then wall time), from all event files
}

export async function readOfficialRun(folder: string): Promise<OfficialRun> {
  if (!existsSync(folder) || !(await stat(folder)).isDirectory()) throw new Error(`${folder} is not a folder`)
  const [config, checkpoints, events] = await Promise.all([readRunConfig(folder), listCheckpoints(folder), readEvents(folder)])
  if (!config && checkpoints.length === 0 && events.files.length === 0) {
    throw new Error(`${folder}: no config.yaml, checkpoints/*.pth or events.out.tfevents.* — not a run folder of the official trainer`)
  }
  return { folder, config, checkpoints, eventFiles: events.files, scalars: events.scalars }
}

async function readRunConfig(folder: string): Promise<OfficialRun['config']> {
  const path = join(folder, 'config.yaml')
  if (!existsSync(path)) return null
  let document: Record<string, unknown>
  try {
    document = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>
  } catch (e) {
    throw new Error(`${path}: not YAML (${(e as Error).message.split('\n')[0]})`)
  }
  try {
    return { path, model: configFromDocument({ name: folder.split(/[\\/]/).filter(Boolean).pop(), ...document }, path), modelError: null, document }
  } catch (e) {
    return { path, model: null, modelError: (e as Error).message, document }
  }
}

export async function listCheckpoints(folder: string): Promise<OfficialCheckpoint[]> {
  const dir = join(folder, 'checkpoints')
  if (!existsSync(dir)) return []
  const out: OfficialCheckpoint[] = []
  for (const name of await readdir(dir)) {
    const m = CHECKPOINT.exec(name)
    if (!m) continue
    const file = join(dir, name)
    out.push({ file, step: Number(m[1]), bytes: (await stat(file)).size, complete: await isCompleteZip(file) })
  }
  return out.sort((a, b) => a.step - b.step)
}

async function isCompleteZip(file: string): Promise<boolean> {
  try {
    await (await ZipArchive.open(file)).close()
    return true
  } catch {
    return false
  }
}

async function readEvents(folder: string): Promise<{ files: OfficialRun['eventFiles']; scalars: OfficialRun['scalars'] }> {
  const names = (await readdir(folder)).filter((n) => EVENTS.test(n)).sort()
  const files: OfficialRun['eventFiles'] = []
  const points: ScalarEvent[] = []
  for (const name of names) {
    const file = join(folder, name)
    const { records, complete } = readTfRecords(new Uint8Array(await readFile(file)), file)
    records.forEach((r, i) => points.push(...eventScalars(r, `${file}: record ${i}`)))
    files.push({ file, records: records.length, complete })
  }
  const scalars: OfficialRun['scalars'] = {}
  for (const p of points) (scalars[p.tag] ??= []).push({ step: p.step, wallTime: p.wallTime, value: p.value })
  for (const series of Object.values(scalars)) series.sort((a, b) => a.step - b.step || a.wallTime - b.wallTime)
  return { files, scalars }
}
