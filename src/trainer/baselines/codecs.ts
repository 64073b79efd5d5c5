// Classic image codecs (JPEG, WebP, AVIF through sharp) at a bit rate matched to a tokenizer's BPP: the quality is
// searched (bitrate-search.ts) and the actual file size reported. Files carry no metadata (sharp strips EXIF/XMP/ICC
// unless asked to keep them); JPEG keeps whichever of two encoder set-ups makes the smaller file at each quality.
import sharp, { type Sharp } from 'sharp'
import type { RgbImage } from '../data/images'
import { fullQualityRange, searchQuality, type QualityRange, type QualitySearch } from './bitrate-search'
import { commonSquareSize, type Method, type Reconstruction } from './method'

export const codecNames = ['jpeg', 'webp', 'avif'] as const
export type CodecName = (typeof codecNames)[number]

interface CodecVariant {
  readonly name: string
  readonly encode: (s: Sharp, quality: number) => Sharp
}

/**
 * Encoder set-ups, chosen for the smallest files at low rates (measured on 32–256 px photos): mozjpeg (trellis,
 * progressive, optimised scans) wins at 256², a baseline trellis JPEG wins at ≤ 64² where scan headers dominate.
 * WebP at effort 6 with sharp-YUV subsampling; AVIF at 4:2:0 (sharp's default is 4:4:4, which costs ~4 % more).
 */
const variants: Record<CodecName, readonly CodecVariant[]> = {
  jpeg: [
    { name: 'mozjpeg', encode: (s, q) => s.jpeg({ quality: q, mozjpeg: true }) },
    { name: 'baseline-trellis', encode: (s, q) => s.jpeg({ quality: q, optimiseCoding: true, trellisQuantisation: true, overshootDeringing: true }) },
  ],
  webp: [{ name: 'effort-6', encode: (s, q) => s.webp({ quality: q, effort: 6, smartSubsample: true }) }],
  avif: [{ name: 'aom-4:2:0', encode: (s, q) => s.avif({ quality: q, chromaSubsampling: '4:2:0', effort: 4 }) }],
}

export interface EncodedFile {
  readonly data: Buffer // the whole file, headers included
  readonly variant: string // which encoder set-up made it
}

export interface CodecMatch extends QualitySearch {
  readonly codec: CodecName
  readonly variant: string
  readonly file: Buffer // the chosen file
  readonly image: RgbImage // its decoded reconstruction, 8-bit RGB
}

export function isCodecName(name: string): name is CodecName {
  return (codecNames as readonly string[]).includes(name)
}

const rawInput = (img: RgbImage) => ({ raw: { width: img.w, height: img.h, channels: 3 as const } })

/** Encodes at one quality with every variant of the codec and keeps the smallest file. */
export async function encodeAt(img: RgbImage, codec: CodecName, quality: number): Promise<EncodedFile> {
  let best: EncodedFile | null = null
  for (const v of variants[codec]) {
    const data = await v.encode(sharp(img.rgb, rawInput(img)), quality).toBuffer()
    if (!best || data.length < best.data.length) best = { data, variant: v.name }
  }
  return best!
}

/** Decodes a codec file back to 8-bit RGB. */
export async function decodeFile(file: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`)
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), h: info.height, w: info.width }
}

/** Searches the quality whose file comes closest to `targetBpp` and decodes that file. */
export async function matchBitrate(img: RgbImage, codec: CodecName, targetBpp: number, range: QualityRange = fullQualityRange): Promise<CodecMatch> {
  const files = new Map<number, EncodedFile>()
  const search = await searchQuality(
    async (q) => {
      const f = await encodeAt(img, codec, q)
      files.set(q, f)
      return f.data.length
    },
    targetBpp, img.h * img.w, range,
  )
  const chosen = files.get(search.quality)!
  return { ...search, codec, variant: chosen.variant, file: chosen.data, image: await decodeFile(chosen.data) }
}

const codecLabels: Record<CodecName, string> = { jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF' }

/** A codec as a compared method; `targetBpp(imageSizePx)` is the rate to match, e.g. the tokenizer's. */
export function codecMethod(codec: CodecName, targetBpp: (imageSizePx: number) => number): Method {
  return {
    id: codec,
    label: `${codecLabels[codec]} near the target bit rate`, // each reconstruction carries the BPP it reached (a floor can stay above)
    settings: { codec, search: 'quality bisection 1..100, ±4 window, closest BPP', variants: variants[codec].map((v) => v.name).join('|') },
    bpp: targetBpp,
    async reconstruct(images, context = {}) {
      const target = targetBpp(commonSquareSize(images))
      const out: Reconstruction[] = []
      for (const img of images) {
        context.signal?.throwIfAborted()
        const m = await matchBitrate(img, codec, target)
        out.push({
          image: m.image, bpp: m.bpp,
          settings: {
            codec, quality: m.quality, variant: m.variant, bytes: m.bytes, targetBpp: target, belowFloor: m.belowFloor, aboveCeiling: m.aboveCeiling,
            bppBelowTarget: m.bracket[0], bppAboveTarget: m.bracket[1],
          },
        })
      }
      return out
    },
    async dispose() {},
  }
}
