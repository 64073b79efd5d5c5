// Reader for torch.save zip archives (torch ≥ 1.6, torch/serialization.py): `<prefix>/data.pkl` is a pickle
// whose persistent ids ('storage', FloatStorage, key, location, numel) name raw records `<prefix>/data/<key>`;
// `<prefix>/byteorder` (newer torch) says the storages' byte order. Tensors are read lazily, by byte range.
import { CheckpointError } from './checkpoint-error'
import { decodeToFloat32, dtypeBytes, numelOf, type DType } from './dtypes'
import { unpickle } from './pickle'
import { isStorageKind, isTensorRef, resolveTorchGlobal, type StorageRef, type TensorRef } from './torch-globals'
import { ZipArchive, type ZipEntry } from './zip'

const maxPickleBytes = 64 << 20 // data.pkl of a 945M-param model is ~100 KB

export interface PthTensor {
  readonly name: string
  readonly shape: readonly number[]
  readonly dtype: DType
  read(): Promise<Float32Array>
}

export type PthScalar = number | bigint | string | boolean | null

export interface PthFile {
  readonly path: string
  readonly isBareStateDict: boolean // the file is `model.state_dict()` itself, not a dict holding state dicts
  /** State dicts by top-level key in file order (a bare state dict is the single entry ''), names in state-dict order. */
  readonly stateDicts: ReadonlyMap<string, ReadonlyMap<string, PthTensor>>
  readonly scalars: ReadonlyMap<string, PthScalar> // other top-level values, e.g. total_steps
  readonly root: unknown // the whole unpickled object, tensors as TensorRef (e.g. for optimizer_state_dict)
  readTensor(t: TensorRef): Promise<Float32Array>
  close(): Promise<void>
}

export async function openPth(path: string): Promise<PthFile> {
  const zip = await openZip(path)
  try {
    const prefix = archivePrefix(zip)
    const littleEndian = await readByteOrder(zip, prefix)
    const storages = new Map<string, { ref: StorageRef; entry: ZipEntry }>()
    const pickleEntry = zip.entries.get(`${prefix}data.pkl`)!
    const root = unpickle(await zip.readRecord(pickleEntry, maxPickleBytes), {
      resolveGlobal: resolveTorchGlobal,
      persistentLoad: (pid, where) => loadStorage(zip, prefix, storages, pid, where),
    }, `${path}: ${pickleEntry.name}`)
    const read = (t: TensorRef) => readTensor(zip, storages.get(t.storage.key)!.entry, t, littleEndian)
    return { path, ...describeRoot(root, path, read), root, readTensor: read, close: () => zip.close() }
  } catch (err) {
    await zip.close()
    throw err
  }
}

async function openZip(path: string): Promise<ZipArchive> {
  try {
    return await ZipArchive.open(path)
  } catch (err) {
    if (!(err instanceof CheckpointError) || !/not a zip archive/.test(err.message)) throw err
    throw new CheckpointError(`${err.message}; not a zip-format torch.save file (the pre-1.6 legacy format is not supported)`)
  }
}

/** `checkpoint/` for `checkpoint/data.pkl`: torch names the archive folder after the file stem, so find it by suffix. */
function archivePrefix(zip: ZipArchive): string {
  const names = [...zip.entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'))
  names.sort((a, b) => a.split('/').length - b.split('/').length)
  if (names.length === 0) throw new CheckpointError(`${zip.path}: zip archive without data.pkl, so not a torch.save file`)
  return names[0]!.slice(0, -'data.pkl'.length)
}

async function readByteOrder(zip: ZipArchive, prefix: string): Promise<boolean> {
  const entry = zip.entries.get(`${prefix}byteorder`)
  if (!entry) return true
  const order = new TextDecoder().decode(await zip.readRecord(entry, 16)).trim()
  if (order !== 'little' && order !== 'big') throw new CheckpointError(`${zip.path}: unknown byteorder ${JSON.stringify(order)}`)
  return order === 'little'
}

/** persistent_load for `('storage', StorageType | dtype, key, location, numel)`, checked against the record's size. */
function loadStorage(
  zip: ZipArchive, prefix: string, storages: Map<string, { ref: StorageRef; entry: ZipEntry }>, pid: unknown, where: string,
): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw new CheckpointError(`${where}: unsupported persistent id`)
  const [, kind, key, , numel] = pid as unknown[]
  if (!isStorageKind(kind) || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new CheckpointError(`${where}: malformed storage persistent id`)
  }
  const known = storages.get(key)
  if (known) {
    if (known.ref.dtype !== kind.dtype || known.ref.numel !== numel) throw new CheckpointError(`${where}: storage ${key} declared twice differently`)
    return known.ref
  }
  const entry = zip.entries.get(`${prefix}data/${key}`)
  if (!entry) throw new CheckpointError(`${where}: storage record ${prefix}data/${key} is missing from the archive`)
  const bytes = numel * dtypeBytes[kind.dtype]
  if (entry.uncompressedSize !== bytes) {
    throw new CheckpointError(`${where}: storage ${key} declares ${numel} × ${kind.dtype} = ${bytes} bytes but its record holds ${entry.uncompressedSize}`)
  }
  if (entry.method !== 0) throw new CheckpointError(`${where}: storage record ${entry.name} is compressed; torch stores tensors uncompressed`)
  const ref: StorageRef = { kind: 'storage', key, dtype: kind.dtype, numel }
  storages.set(key, { ref, entry })
  return ref
}

type ReadTensor = (t: TensorRef) => Promise<Float32Array>

function describeRoot(root: unknown, path: string, read: ReadTensor): Pick<PthFile, 'isBareStateDict' | 'stateDicts' | 'scalars'> {
  if (!(root instanceof Map)) throw new CheckpointError(`${path}: not a state dict (the pickled object is ${describeValue(root)})`)
  const scalars = new Map<string, PthScalar>()
  const stateDicts = new Map<string, ReadonlyMap<string, PthTensor>>()
  const bare = asStateDict(root, read)
  if (bare) return { isBareStateDict: true, stateDicts: new Map([['', bare]]), scalars }
  for (const [key, value] of root) {
    if (typeof key !== 'string') continue
    const tensors = value instanceof Map ? asStateDict(value, read) : null
    if (tensors) stateDicts.set(key, tensors)
    else if (value === null || ['number', 'bigint', 'string', 'boolean'].includes(typeof value)) scalars.set(key, value as PthScalar)
  }
  if (stateDicts.size === 0) {
    const keys = [...root.keys()].map(String).slice(0, 10).join(', ')
    throw new CheckpointError(`${path}: not a state dict (a dict with keys [${keys}] but no dict of tensors)`)
  }
  return { isBareStateDict: false, stateDicts, scalars }
}

/** A non-empty dict of name → tensor, as PthTensors; null if the dict is anything else. */
function asStateDict(dict: Map<unknown, unknown>, read: ReadTensor): Map<string, PthTensor> | null {
  if (dict.size === 0) return null
  const out = new Map<string, PthTensor>()
  for (const [name, t] of dict) {
    if (typeof name !== 'string' || !isTensorRef(t)) return null
    out.set(name, { name, shape: t.shape, dtype: t.storage.dtype, read: () => read(t) })
  }
  return out
}

function describeValue(x: unknown): string {
  if (Array.isArray(x)) return Object.isFrozen(x) ? 'a tuple' : 'a list'
  if (isTensorRef(x)) return 'a single tensor'
  return x === null ? 'None' : `a ${typeof x}`
}

/** Reads one tensor: one byte range if it is contiguous, else the span it covers, gathered by stride. */
async function readTensor(zip: ZipArchive, entry: ZipEntry, t: TensorRef, littleEndian: boolean): Promise<Float32Array> {
  const numel = numelOf(t.shape, entry.name)
  if (numel === 0) return new Float32Array(0)
  const itemBytes = dtypeBytes[t.storage.dtype]
  const spanElements = t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i]!, 0) + 1
  const contiguous = isContiguous(t.shape, t.stride)
  const length = contiguous ? numel : spanElements
  const bytes = await zip.readRange(entry, t.storageOffset * itemBytes, length * itemBytes)
  const span = decodeToFloat32(bytes, t.storage.dtype, littleEndian)
  return contiguous ? span : gatherStrided(span, t.shape, t.stride)
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false
    expected *= shape[i]!
  }
  return true
}

/** Row-major copy of a strided view; `span[0]` is the view's first element. */
export function gatherStrided(span: Float32Array, shape: readonly number[], stride: readonly number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1))
  const index = new Array<number>(shape.length).fill(0)
  let at = 0
  for (let i = 0; i < out.length; i++) {
    out[i] = span[at]!
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++
      at += stride[d]!
      if (index[d]! < shape[d]!) break
      at -= index[d]! * stride[d]!
      index[d] = 0
    }
  }
  return out
}
