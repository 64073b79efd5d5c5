// The engine's one entry point for weights: opens a safetensors file or a torch .pth (told apart by content),
// picks the EMA or raw state dict (reference train.py keys, or our `ema.` / `model.` prefixes) and checks a
// state dict's names and shapes against a model's.
import { CheckpointError } from './checkpoint-error'
import { openPth, type PthFile } from './pth'
import { RandomAccessFile } from './random-access-file'
import { SafetensorsFile } from './safetensors'

export { CheckpointError, PickleSecurityError } from './checkpoint-error'

export interface TensorRecord {
  name: string
  shape: number[]
  dtype: string
  read(): Promise<Float32Array>
}

export interface LoadedWeights {
  format: 'safetensors' | 'pth'
  path: string
  stateDictKey: string | null // which state dict was chosen (`model_ema_state_dict`, `ema`, …); null for a bare one
  available: string[] // every state dict key the file holds
  totalSteps: number | null
  metadata: Record<string, string> // safetensors __metadata__; for .pth the top-level scalars as strings
  tensors: Map<string, TensorRecord> // in the file's order
  close(): Promise<void>
}

export interface OpenWeightsOptions {
  stateDict?: 'ema' | 'raw' | string // default: EMA when present (what the reference evaluates), else the only one
}

/** Prefixes of the two state dicts in our own training checkpoints (`ema.decoder.…`, `model.decoder.…`). */
export const stateDictPrefixes = { ema: 'ema.', raw: 'model.' } as const
/** The training step: a top-level .pth entry in the reference's train.py, a metadata key in our safetensors. */
export const totalStepsKey = 'total_steps'

const aliases: Readonly<Record<'ema' | 'raw', readonly string[]>> = {
  ema: ['model_ema_state_dict', 'ema'],
  raw: ['model_state_dict', 'model', 'state_dict'],
}

export async function openWeights(path: string, opts: OpenWeightsOptions = {}): Promise<LoadedWeights> {
  const file = await RandomAccessFile.open(path)
  const magic = await file.read(0, Math.min(4, file.sizeBytes), 'file signature').finally(() => file.close())
  const isZip = magic.length === 4 && magic[0] === 0x50 && magic[1] === 0x4b && magic[2] === 3 && magic[3] === 4
  if (magic[0] === 0x80 && magic[1] === 0x02 && magic[2] === 0x8a) { // PROTO 2, LONG1: the legacy format's magic number
    throw new CheckpointError(`${path}: legacy torch.save format (torch < 1.6, not a zip) is not supported; re-save it with a newer torch`)
  }
  return isZip ? openPthWeights(path, opts) : openSafetensorsWeights(path, opts)
}

async function openPthWeights(path: string, opts: OpenWeightsOptions): Promise<LoadedWeights> {
  const pth = await openPth(path)
  try {
    const available = pth.isBareStateDict ? [] : [...pth.stateDicts.keys()]
    const key = pth.isBareStateDict ? bareChoice(path, opts) : chooseStateDict(available, opts, path)
    const tensors = new Map<string, TensorRecord>()
    for (const [name, t] of pth.stateDicts.get(key ?? '')!) {
      tensors.set(name, { name, shape: [...t.shape], dtype: t.dtype, read: t.read })
    }
    const metadata = Object.fromEntries([...pth.scalars].map(([k, v]) => [k, String(v)])) // e.g. total_steps, epoch
    return { format: 'pth', path, stateDictKey: key, available, totalSteps: pthTotalSteps(pth), metadata, tensors, close: () => pth.close() }
  } catch (err) {
    await pth.close()
    throw err
  }
}

function pthTotalSteps(pth: PthFile): number | null {
  const steps = pth.scalars.get(totalStepsKey)
  return typeof steps === 'number' && Number.isSafeInteger(steps) ? steps : null
}

async function openSafetensorsWeights(path: string, opts: OpenWeightsOptions): Promise<LoadedWeights> {
  const st = await SafetensorsFile.open(path)
  try {
    const names = st.header.entries.map((e) => e.name)
    const groups = prefixGroups(names)
    const key = groups.length > 0 ? chooseStateDict(groups, opts, path) : bareChoice(path, opts)
    const prefix = key === null ? '' : `${key}.`
    const tensors = new Map<string, TensorRecord>()
    for (const e of st.header.entries) {
      if (!e.name.startsWith(prefix)) continue
      const name = e.name.slice(prefix.length)
      tensors.set(name, { name, shape: [...e.shape], dtype: e.dtype, read: () => st.readTensor(e.name) })
    }
    const steps = Number(st.header.metadata[totalStepsKey] ?? NaN)
    return {
      format: 'safetensors', path, stateDictKey: key, available: groups, totalSteps: Number.isSafeInteger(steps) ? steps : null,
      metadata: st.header.metadata, tensors, close: () => st.close(),
    }
  } catch (err) {
    await st.close()
    throw err
  }
}

/** `['ema', 'model']` when every name carries one of our prefixes, else [] (a plain state dict). */
function prefixGroups(names: readonly string[]): string[] {
  const prefixes = Object.values(stateDictPrefixes)
  if (names.length === 0 || !names.every((n) => prefixes.some((p) => n.startsWith(p)))) return []
  return prefixes.filter((p) => names.some((n) => n.startsWith(p))).map((p) => p.slice(0, -1))
}

function bareChoice(path: string, opts: OpenWeightsOptions): null {
  if (opts.stateDict !== undefined) {
    throw new CheckpointError(`${path} holds a single plain state dict, so state dict "${opts.stateDict}" cannot be chosen`)
  }
  return null
}

function chooseStateDict(available: readonly string[], opts: OpenWeightsOptions, path: string): string {
  const wanted = opts.stateDict ?? 'ema'
  const candidates = wanted === 'ema' || wanted === 'raw' ? aliases[wanted] : [wanted]
  const found = candidates.find((c) => available.includes(c))
  if (found) return found
  if (opts.stateDict === undefined && available.length === 1) return available[0]!
  const what = wanted === 'ema' ? 'EMA state dict' : wanted === 'raw' ? 'raw (non-EMA) state dict' : `state dict "${wanted}"`
  throw new CheckpointError(`${path} has no ${what}; it holds: ${available.join(', ')}`)
}

export interface StateDictReport {
  missing: string[] // expected by the model, absent from the file
  unexpected: string[] // in the file, unknown to the model
  mismatched: { name: string; expected: number[]; actual: number[] }[]
}

/** Compares a model's (name, shape) list with a loaded state dict, like load_state_dict(strict=True). */
export function compareStateDict(
  expected: ReadonlyArray<readonly [string, readonly number[]]>,
  actual: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): StateDictReport {
  const expectedNames = new Set(expected.map(([name]) => name))
  const report: StateDictReport = { missing: [], unexpected: [], mismatched: [] }
  for (const [name, shape] of expected) {
    const got = actual.get(name)
    if (!got) report.missing.push(name)
    else if (got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      report.mismatched.push({ name, expected: [...shape], actual: [...got.shape] })
    }
  }
  for (const name of actual.keys()) if (!expectedNames.has(name)) report.unexpected.push(name)
  return report
}

export function isExactMatch(report: StateDictReport): boolean {
  return report.missing.length === 0 && report.unexpected.length === 0 && report.mismatched.length === 0
}

/** A readable summary, listing at most `maxNames` names per kind. */
export function formatStateDictReport(report: StateDictReport, maxNames = 10): string {
  if (isExactMatch(report)) return 'All keys matched successfully'
  const list = (names: readonly string[]) =>
    names.slice(0, maxNames).map((n) => `    ${n}`).concat(names.length > maxNames ? [`    … and ${names.length - maxNames} more`] : [])
  const lines: string[] = []
  if (report.missing.length) lines.push(`Missing from the checkpoint (${report.missing.length}):`, ...list(report.missing))
  if (report.unexpected.length) lines.push(`Unexpected in the checkpoint (${report.unexpected.length}):`, ...list(report.unexpected))
  if (report.mismatched.length) {
    const shown = report.mismatched.map((m) => `${m.name}: model [${m.expected.join(', ')}], checkpoint [${m.actual.join(', ')}]`)
    lines.push(`Shape mismatches (${report.mismatched.length}):`, ...list(shown))
  }
  return lines.join('\n')
}
