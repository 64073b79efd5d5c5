// An official run folder as the Training section's run history (payloads/runs.ts RunHistory), so its curves plot and
// overlay like our own runs: the trainer's TensorBoard loss tags under our metric names, one record per logged step,
// and `flowmo watch`'s per-checkpoint PSNR/SSIM (<folder>/flowmo-eval/metrics.jsonl) as validation records, its
// sample grids (<folder>/flowmo-eval/samples/) as the run's samples.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunFileEntry, RunHistory } from '../../shared/payloads/runs'
import { readOfficialRun } from './run-folder'
import { watchLog, type WatchRecord } from './watch'

/** train.py's loss_dict keys (models.py rf_loss) and its other scalars → the names our runs log. */
const ourNames: Readonly<Record<string, string>> = {
  diffusion_loss: 'flow_loss', quantizer_loss: 'quantizer_loss', lpips_loss: 'perceptual_loss', total_loss: 'total_loss',
  'Steps per sec': 'it_s',
}

/** Where `flowmo watch` writes by default, inside the run folder. */
export const watchOut = (dir: string): string => join(dir, 'flowmo-eval')

export async function officialRunHistory(dir: string, activeRunId: string | null, samples: RunFileEntry[]): Promise<RunHistory> {
  const run = await readOfficialRun(dir)
  const byStep = new Map<number, Record<string, unknown>>()
  for (const [tag, points] of Object.entries(run.scalars)) {
    for (const p of points) {
      const record = byStep.get(p.step) ?? { step: p.step }
      record[ourNames[tag] ?? tag] = p.value
      byStep.set(p.step, record)
    }
  }
  const watched = await watchValidation(dir)
  const metrics = [...byStep.values(), ...watched].sort((a, b) => Number(a.step) - Number(b.step))
  return {
    dir, run: null, metrics, badLines: 0, samples,
    checkpoints: run.checkpoints.filter((c) => c.complete).reverse().map((c) => ({ step: c.step, path: c.file })),
    activeRunId, official: { watched: watched.length > 0 },
  }
}

async function watchValidation(dir: string): Promise<Record<string, unknown>[]> {
  const log = watchLog(watchOut(dir))
  if (!existsSync(log)) return []
  return (await readFile(log, 'utf8')).split('\n').filter((l) => l.trim() !== '').map((l) => {
    const r = JSON.parse(l) as WatchRecord
    return { step: r.step, val_psnr: r.metrics.psnr, val_ssim: r.metrics.ssim }
  })
}
