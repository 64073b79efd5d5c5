// `flowmo token-map`: what each 1-D token controls in one image. Every token's bits replaced in turn (null code,
// random bits, or the same token of a second image), decoded with the same noise; an atlas PNG of the L change maps
// and a JSON with one influence summary per token (research/token-influence.ts).
import { existsSync } from 'node:fs'
import { UsageError, parseCommandArgs } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openModelChoice } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

export const tokenMap: Command = {
  name: 'token-map',
  summary: 'what each token controls: replace each token\'s bits, decode with the same noise, map where the image changes',
  usage: [
    'flowmo token-map --checkpoint <file> --image <file> --out <map.png> [--json <file>] [options]',
    '',
    ...modelUsage,
    '  --image <file>     the image (resized on its shorter side, centre-cropped to the model size)',
    '  --out <map.png>    the atlas: one |Δ| map per token (token 0 top left, rows of ⌈√L⌉), one inferno scale',
    '  --json <file>      per token: meanAbs, maxAbs, area (|Δ| > 0.1), centroid [y, x], deltaPsnr; the owner map',
    '  --replace <how>    null (default: all bits 0, the null code) | random (±1, seeded) | image:<file> (its tokens)',
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, ...samplerOptionSpecs, image: { type: 'string' }, out: { type: 'string' }, json: { type: 'string' }, replace: { type: 'string' },
    })
    if (!values.image) throw new UsageError('--image is required')
    if (!values.out) throw new UsageError('--out is required')
    const replace = values.replace ?? 'null'
    const second = replace.startsWith('image:') ? replace.slice(6) : undefined
    if (replace !== 'null' && replace !== 'random' && !second) throw new UsageError(`--replace expects null, random or image:<file>, got '${replace}'`)
    for (const f of [values.image, second]) if (f !== undefined && !existsSync(f)) throw new Error(`cannot read image ${f}: no such file`)
    const { sampling, seed } = samplerFromArgs(values)
    const { model } = await openModelChoice(modelChoiceFromArgs(values))
    try {
      const { loadImageTensor, writePng } = await import('../../trainer/data/images')
      const { tokenInfluence } = await import('../../trainer/research/token-influence')
      const { influenceAtlas } = await import('../../trainer/research/influence-atlas')
      const { writeFileAtomic } = await import('../../trainer/atomic-file')
      const { imageSize: S, codeLength: L } = model.config
      const images = [values.image, ...(second ? [second] : [])]
      const x = new Float32Array(images.length * 3 * S * S)
      for (const [i, f] of images.entries()) x.set(await loadImageTensor(f, S, 'center'), i * 3 * S * S)
      const { code } = await model.encode(x, images.length)
      const n = code.length / images.length
      const bar = new ProgressLine('token-map', L, 'token')
      const full = { ...model.config.sampling, ...sampling }
      const inf = await tokenInfluence(model, code.slice(0, n), {
        replacement: second ? 'other' : (replace as 'null' | 'random'), other: second ? code.slice(n) : undefined,
        sampling: full, seed: seed ?? 0, onProgress: (done) => bar.update(done),
      })
      const atlas = influenceAtlas(inf)
      await writePng(values.out, atlas.pixels, atlas.h, atlas.w)
      if (values.json) {
        const report = {
          checkpoint: model.info.checkpoint, image: values.image, replacement: second ? { image: second } : replace, seed: seed ?? 0, sampling: full,
          L, C: inf.C, imageSizePx: S, atlas: { file: values.out, cols: atlas.cols, max: atlas.max },
          tokens: inf.tokens.map((t) => ({ ...t, deltaPsnr: Number.isFinite(t.deltaPsnr) ? t.deltaPsnr : 'Infinity' })), owner: Array.from(inf.owner),
        }
        await writeFileAtomic(values.json, `${JSON.stringify(report, null, 1)}\n`)
      }
      const top = [...inf.tokens].sort((a, b) => b.meanAbs - a.meanAbs).slice(0, 5)
      console.log(`most influential tokens (mean |Δ|): ${top.map((t) => `${t.token} (${t.meanAbs.toFixed(4)})`).join(', ')}`)
      console.log(`wrote ${values.out} (${L} maps, ${atlas.cols} per row)${values.json ? ` and ${values.json}` : ''}`)
      return 0
    } finally {
      await model.dispose()
    }
  },
}
