// Reopening a saved sweep for the app (issue 7 "Sweeps"): loadSweep's validation, then the image grid's PNG files
// (paths relative to imagesDir) read through the file policy and inlined, so the renderer needs no file access.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { OpenSweepReport, SweepImageRef, SweepReport } from '../../shared/payloads/jobs'
import { RpcError } from '../../shared/rpc'
import { assertReadable } from '../files'
import { loadSweep, SweepFileError } from './sweep-file'
import type { ImageRef } from './sweep-result'

export async function openSweep(path: string): Promise<OpenSweepReport> {
  const real = await assertReadable(path)
  const result = await loadSweep(real).catch((e: unknown) => {
    throw e instanceof SweepFileError ? new RpcError(`${path} is not a FlowMo sweep file: ${e.message}`, 'not-a-sweep') : e
  })
  const unread = new Map<string, number>() // why → how many files
  const inline = (ref: ImageRef): Promise<SweepImageRef | null> => inlinePng(ref, result.imagesDir, unread)
  const images = await Promise.all(
    result.images.map(async ({ original, ...image }) => {
      const png = original && (await inline(original))
      return png ? { ...image, original: png } : image
    }),
  )
  const cells = await Promise.all(
    result.cells.map(async (cell) => {
      const refs = await Promise.all(cell.images.map(async ({ index, ...ref }) => ({ index, png: await inline(ref) })))
      return { ...cell, images: refs.flatMap(({ index, png }) => (png ? [{ index, ...png }] : [])) }
    }),
  )
  const inlined: SweepReport = { ...result, images, cells } // the compiler checks SweepResult against the app's view
  const notices = [...unread].map(([why, n]) => `${n} image file${n === 1 ? '' : 's'} of the image grid not shown: ${why}`)
  return { path: real, result: inlined, notices }
}

/** A base64 PNG for `ref`; null (counted in `unread` by reason) when its file is not allowed, missing or unreadable. */
async function inlinePng(ref: ImageRef, imagesDir: string | null, unread: Map<string, number>): Promise<SweepImageRef | null> {
  if ('png' in ref) return { png: ref.png }
  let why = 'the file names no imagesDir'
  if (imagesDir !== null) {
    try {
      return { png: (await readFile(await assertReadable(join(imagesDir, ref.file)))).toString('base64') }
    } catch (e) {
      const code = e instanceof RpcError ? e.code : 'unreadable'
      why = code === 'forbidden' ? `open the folder ${imagesDir} to allow reading them` : code === 'not-found' ? `missing from ${imagesDir}` : `${code} in ${imagesDir}`
    }
  }
  unread.set(why, (unread.get(why) ?? 0) + 1)
  return null
}
