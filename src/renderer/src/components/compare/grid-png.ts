// The compare grid as one PNG: originals and reconstructions enlarged with whole pixels, each captioned with its
// method, actual BPP, PSNR/SSIM and LPIPS when it ran, as the grid shows them.
import { downloadPng, drawRgb } from '../common/canvas'
import { tileCaption, type CompareResult } from './compare-result'

const tilePx = 192
const captionPx = 60
const gapPx = 8

export function gridCanvas(result: CompareResult): HTMLCanvasElement {
  const columns = result.methods.length + 1
  const canvas = document.createElement('canvas')
  canvas.width = columns * (tilePx + gapPx) + gapPx
  canvas.height = result.originals.length * (tilePx + captionPx + gapPx) + gapPx
  const ctx = canvas.getContext('2d')!
  ctx.fillStyle = '#10131b'
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.imageSmoothingEnabled = false
  ctx.font = '12px system-ui, sans-serif'
  const source = document.createElement('canvas')
  result.originals.forEach((original, row) => {
    const y = gapPx + row * (tilePx + captionPx + gapPx)
    const cells = [{ name: 'original', image: original, lines: [`${original.w}×${original.h} input`] }]
    for (const m of result.methods) {
      const c = tileCaption(m.tiles[row])
      cells.push({ name: m.name, image: m.tiles[row].image, lines: [c.rate, c.scores, c.perceptual] })
    }
    cells.forEach((cell, col) => {
      const x = gapPx + col * (tilePx + gapPx)
      drawRgb(source, cell.image)
      ctx.drawImage(source, x, y, tilePx, tilePx)
      ctx.fillStyle = '#e6e9f2'
      ;[cell.name, ...cell.lines].forEach((line, k) => ctx.fillText(line, x, y + tilePx + 13 + k * 14, tilePx))
    })
  })
  return canvas
}

export function downloadGridPng(result: CompareResult): void {
  downloadPng(gridCanvas(result), 'compare-grid')
}
