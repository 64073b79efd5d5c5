// What the app ships to look at: models in resources/models/*.safetensors and sample photos in resources/images/.
// The resources folder sits beside the package.json above this module (sources, or a build under out/).
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { BundledFiles } from '../../shared/payloads/inspect'

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp)$/i

export function resourcesDir(from = import.meta.dirname): string | null {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'resources')
  }
  return null
}

async function filesIn(dir: string, pattern: RegExp): Promise<string[]> {
  if (!existsSync(dir)) return []
  return (await readdir(dir)).filter((name) => pattern.test(name)).sort().map((name) => join(dir, name))
}

export async function bundledFiles(resources = resourcesDir()): Promise<BundledFiles> {
  if (!resources) return { models: [], images: [] }
  return {
    models: await filesIn(join(resources, 'models'), /\.safetensors$/i),
    images: await filesIn(join(resources, 'images'), IMAGE_EXTENSIONS),
  }
}
