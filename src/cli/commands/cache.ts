// `flowmo cache`: the onnxruntime export cache (one folder per exported checkpoint) listed, sized and pruned.
import { parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'

const GB = 1e9

export const cache: Command = {
  name: 'cache',
  summary: 'list, remove or prune the ONNX exports cached for onnxruntime (ls | rm <key>… | prune --max-gb <n>)',
  usage: [
    'flowmo cache ls [--json] | flowmo cache rm <key>… | flowmo cache prune --max-gb <n>',
    '',
    'The cache is FLOWMO_CACHE_DIR, else $XDG_CACHE_HOME/flowmo/onnx, else ~/.cache/flowmo/onnx. A checkpoint is',
    'exported there the first time onnxruntime runs it (a FlowMo-Lo export is ~3.3 GB).',
    '  ls               every export, most recently used first: key, size, last use, model, checkpoint',
    '  rm <key>…        removes the named exports',
    '  prune --max-gb   removes the least recently used exports until the cache holds at most that many GB',
    '                   (and folders left by killed exports)',
    '  --json           ls as JSON',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'max-gb': { type: 'string' } }, { min: 1, max: 64 })
    const [action, ...keys] = positionals
    const { defaultExportCacheDir } = await import('../../trainer/export/export-cache')
    const admin = await import('../../trainer/export/cache-admin')
    const dir = defaultExportCacheDir()
    if (action === 'ls') {
      const entries = await admin.listExportCache(dir)
      if (values.json) console.log(JSON.stringify({ dir, entries }, null, 2))
      else {
        const total = entries.reduce((n, e) => n + e.bytes, 0)
        console.log(`${dir}: ${entries.length} export${entries.length === 1 ? '' : 's'}, ${(total / GB).toFixed(2)} GB`)
        for (const e of entries) console.log(`${e.key}  ${(e.bytes / GB).toFixed(2).padStart(7)} GB  ${e.lastUsed}  ${e.model ?? '?'}  ${e.checkpoint ?? '(unreadable manifest)'}`)
      }
      return 0
    }
    if (action === 'rm') {
      if (keys.length === 0) throw new UsageError('cache rm needs at least one key (see flowmo cache ls)')
      for (const e of await admin.removeExports(dir, keys)) console.log(`removed ${e.key} (${(e.bytes / GB).toFixed(2)} GB)`)
      return 0
    }
    if (action === 'prune') {
      const maxGb = Number(values['max-gb'])
      if (values['max-gb'] === undefined || !Number.isFinite(maxGb) || maxGb < 0) throw new UsageError(`cache prune needs --max-gb <n ≥ 0>, got '${values['max-gb'] ?? ''}'`)
      const { removed, keptBytes } = await admin.pruneExportCache(dir, maxGb * GB)
      for (const e of removed) console.log(`removed ${e.key} (${(e.bytes / GB).toFixed(2)} GB, last used ${e.lastUsed})`)
      console.log(`${dir}: ${(keptBytes / GB).toFixed(2)} GB kept`)
      return 0
    }
    throw new UsageError(`unknown cache action '${action}' (ls, rm, prune)`)
  },
}
