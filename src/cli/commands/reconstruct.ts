// `flowmo reconstruct`: encode → quantise → sample → PNG, for one image or a folder.
import { existsSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { parseCommandArgs, integerOption, UsageError } from '../args'
import type { Command } from '../command'
import { modelChoiceFromArgs, modelOptionSpecs, modelUsage, openModelChoice, pathOptionSpecs } from '../model-options'
import { ProgressLine } from '../progress'
import { samplerFromArgs, samplerOptionSpecs, samplerUsage } from '../sampler-options'

export const reconstruct: Command = {
  name: 'reconstruct',
  summary: 'reconstruct images through a tokenizer (encode → quantise → sample) and write PNGs',
  usage: [
    'flowmo reconstruct --checkpoint <file> (--image <file>… | --data <dir>) --out <file.png | dir> [options]',
    '',
    ...modelUsage,
    '  --image <file>     an input image (repeatable); resized (shorter side) and centre-cropped to the model size',
    '  --data <dir>       every image in a folder (recursive)',
    '  --out <path>       output PNG for one image, else a folder (<name>.png per input)',
    '  --batch <n>        images per batch (default 4)',
    '  --path <p>         auto (default: onnxruntime on a cached ONNX export when it loads, else tfjs) | onnxruntime | tfjs',
    ...samplerUsage,
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      ...modelOptionSpecs, ...pathOptionSpecs, ...samplerOptionSpecs,
      image: { type: 'string', multiple: true }, data: { type: 'string' }, out: { type: 'string' }, batch: { type: 'string' },
    })
    const choice = modelChoiceFromArgs(values)
    if (!values.out) throw new UsageError('--out is required')
    const inputs = await inputImages(values.image ?? [], values.data)
    const { sampling, seed, noise } = samplerFromArgs(values)
    const batch = integerOption(values.batch, 'batch', { min: 1, max: 256 }) ?? 4
    const outputs = outputPaths(inputs, values.out)
    await mkdir(dirname(outputs[0]), { recursive: true })
    const fast = await openModelChoice(choice)
    const model = fast.model
    const { loadImageTensor, fromModelOutput, writePng } = await import('../../trainer/data/images')
    const S = model.config.imageSize
    const steps = { ...model.config.sampling, ...sampling }.steps
    const bar = new ProgressLine('reconstruct', inputs.length * steps, 'step')
    for (let first = 0; first < inputs.length; first += batch) {
      const chunk = inputs.slice(first, first + batch)
      const x = new Float32Array(chunk.length * 3 * S * S)
      for (let i = 0; i < chunk.length; i++) x.set(await loadInput(loadImageTensor, chunk[i], S), i * 3 * S * S)
      const res = await model.reconstruct(x, chunk.length, {
        sampling, seed, noise, firstIndex: first,
        onStep: (step) => bar.update(first * steps + step * chunk.length, `image ${first + 1}-${first + chunk.length}/${inputs.length}`),
      })
      for (let i = 0; i < chunk.length; i++) {
        await writePng(outputs[first + i], fromModelOutput(res.images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S), S, S), S, S)
      }
    }
    console.log(`wrote ${outputs.length} reconstruction${outputs.length === 1 ? '' : 's'} to ${values.out} (${model.info.bitsPerPixel === null ? 'continuous latent' : `${model.info.bitsPerPixel.toFixed(4)} bpp`}, ${fast.path})`)
    await model.dispose()
    return 0
  },
}

export async function inputImages(images: string[], data: string | undefined): Promise<string[]> {
  if (images.length === 0 && !data) throw new UsageError('give --image <file> or --data <dir>')
  for (const p of images) if (!existsSync(p) || !statSync(p).isFile()) throw new Error(`${p}: ${existsSync(p) ? 'not a file' : 'does not exist'}`)
  if (!data) return images
  const { scanImageFolder, scanNotices } = await import('../../trainer/data/dataset')
  const scan = await scanImageFolder(data, { imageSizePx: 1 })
  for (const line of scanNotices(scan)) console.error(line)
  return [...images, ...scan.usable.map((e) => e.path)]
}

/** `<out>/<name>.png` per input (names made unique with '_'), or `out` itself for one input named *.png. */
export function outputPaths(inputs: readonly string[], out: string): string[] {
  if (inputs.length === 1 && extname(out).toLowerCase() === '.png') return [out]
  const names = new Set<string>()
  return inputs.map((p) => {
    let name = basename(p, extname(p))
    while (names.has(name)) name += '_'
    names.add(name)
    return join(out, `${name}.png`)
  })
}

async function loadInput(load: (p: string, s: number, crop: 'center') => Promise<Float32Array>, path: string, S: number): Promise<Float32Array> {
  try {
    return await load(path, S, 'center')
  } catch (e) {
    throw (e as Error).name === 'BadImageError' ? e : new Error(`cannot read image ${path}: ${(e as Error).message}`)
  }
}
