// Per-bit balance of the code over the opened images: the share of images whose (token, bit) is +1. An LFQ code
// trained with the entropy loss should sit near 0.5 for every bit.
import type { CodeBalanceReport, CodeBalanceRequest } from '../../shared/payloads/inspect'
import type { InspectContext, JobHooks } from './context'
import { codeOf } from './decode'

export async function codeBalance(ctx: InspectContext, req: CodeBalanceRequest, job: JobHooks): Promise<CodeBalanceReport> {
  const opened = ctx.models.get(req.modelId)
  const { codeLength: L, contextDim: C } = opened.model.config
  const plusFraction = new Float32Array(L * C)
  for (const [i, imageId] of req.imageIds.entries()) {
    job.signal.throwIfAborted()
    const code = await codeOf(opened, ctx.images, imageId)
    for (let j = 0; j < code.length; j++) if (code[j] > 0) plusFraction[j] += 1 / req.imageIds.length
    job.progress(i + 1, req.imageIds.length, `image ${i + 1}/${req.imageIds.length}`)
  }
  return { L, C, plusFraction, n: req.imageIds.length }
}
