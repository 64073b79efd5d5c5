// Where the golden sets are: FLOWMO_GOLDEN_DIR, else ../shared/golden beside the repository.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export function goldenDir(): string {
  return resolve(process.env.FLOWMO_GOLDEN_DIR ?? resolve(repoRoot, '..', 'shared', 'golden'))
}
