// `flowmo ablate` outputs read back for the app: every folder at `dir` or one level below with a table.json of this
// format, newest first; run and checkpoint paths resolved against the output folder (the CLI wrote them relative
// to where it ran, under its --out), so a row's run opens wherever the folder now lives.
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { AblationListing, AblationOutput } from '../../shared/payloads/ablation'
import { RpcError } from '../../shared/rpc'
import { readable } from '../jobs/paths'
import { TABLE_FORMAT, type AblationTable } from './table'

export async function listAblations(dir: string): Promise<AblationListing> {
  const real = await readable(dir)
  if (!(await stat(real)).isDirectory()) throw new RpcError(`${dir} is not a folder`, 'not-a-folder')
  const children = (await readdir(real, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(real, e.name))
  const outputs: AblationOutput[] = []
  const notices: string[] = []
  for (const folder of [real, ...children].filter((f) => existsSync(join(f, 'table.json')))) {
    try {
      outputs.push(await readOutput(folder))
    } catch (e) {
      notices.push(`${join(folder, 'table.json')}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  outputs.sort((a, b) => b.modified.localeCompare(a.modified))
  return { dir: real, outputs, notices }
}

async function readOutput(folder: string): Promise<AblationOutput> {
  const path = join(folder, 'table.json')
  const t = JSON.parse(await readFile(path, 'utf8')) as AblationTable
  if (t.format !== TABLE_FORMAT || !Array.isArray(t.rows)) throw new Error(`not a ${TABLE_FORMAT} table`)
  const { config: _config, ...setup } = t.setup
  const moved = (p: string) => resolve(folder, relative(resolve(setup.out), resolve(p))) // <out>/runs/… → <folder>/runs/…
  return {
    dir: folder, modified: (await stat(path)).mtime.toISOString(), setup, protocol: t.protocol, evalWeights: t.evalWeights,
    rows: t.rows.map((r) => ({ ...r, run: moved(r.run), checkpoint: moved(r.checkpoint), engine: r.engine ?? '' })),
  }
}
