// Canvas helpers for the image panes: 8-bit RGB (HWC) onto a canvas, and a canvas saved as a PNG download.
import type { RgbPixels } from '../../../../shared/protocol'

export function drawRgb(canvas: HTMLCanvasElement, image: RgbPixels): void {
  canvas.width = image.w
  canvas.height = image.h
  const data = new ImageData(image.w, image.h)
  for (let i = 0; i < image.h * image.w; i++) {
    data.data[i * 4] = image.pixels[i * 3]
    data.data[i * 4 + 1] = image.pixels[i * 3 + 1]
    data.data[i * 4 + 2] = image.pixels[i * 3 + 2]
    data.data[i * 4 + 3] = 255
  }
  canvas.getContext('2d')!.putImageData(data, 0, 0)
}

export function downloadPng(canvas: HTMLCanvasElement, name: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = name.endsWith('.png') ? name : `${name}.png`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }, 'image/png')
}
