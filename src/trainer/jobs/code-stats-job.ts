// The code-statistics job: `flowmo code-stats` for the app. Encodes the folder's images with the tokenizer
// (stage2/encode-dataset.ts) and computes the code-book diagnostics (metrics/code-usage.ts codeStatistics).
import type { CodeStatsReport, CodeStatsRequest } from '../../shared/payloads/jobs'
import { RpcError } from '../../shared/rpc'
import { scanImageFolder, scanNotices } from '../data/dataset'
import { openFastModel } from '../inference/fast-path'
import { codeStatistics } from '../metrics/code-usage'
import { defaultGroupBits } from '../metrics/codes'
import { encodeDataset } from '../stage2/encode-dataset'
import { modelSource, type JobContext } from './job-work'
import { readable } from './paths'

export async function codeStatsJob(req: CodeStatsRequest, { signal, progress }: JobContext): Promise<CodeStatsReport> {
  const data = await readable(req.data)
  const fast = await openFastModel(await modelSource(req.model), { path: req.path ?? 'auto' })
  try {
    const C = fast.model.config.contextDim
    const group = req.group ?? defaultGroupBits(C)
    if (C % group !== 0) throw new RpcError(`group ${group} must divide the ${C} bits of a token`, 'invalid-request')
    const scan = await scanImageFolder(data, { imageSizePx: 1 })
    const files = scan.usable.map((e) => e.path).slice(0, req.limit)
    if (files.length === 0) throw new RpcError(`${req.data} has no usable images`, 'invalid-request')
    const set = await encodeDataset(fast.model, {
      dataDir: data, files, flip: false, batch: 8,
      onProgress: (done, total) => (signal.throwIfAborted(), progress(done, total, `${done}/${total} images encoded`)),
    })
    const stats = codeStatistics({ data: set.bits, n: set.n, tokens: set.codeLength, bits: set.contextDim }, group)
    return { ...stats, data, checkpoint: set.tokenizer.checkpoint, notices: [...scanNotices(scan), fast.notice] }
  } finally {
    await fast.model.dispose()
  }
}
