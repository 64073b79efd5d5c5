// Reader for the legacy (torch < 1.6, pre-zip) torch.save format that older published weights still use, e.g.
// the LPIPS heads and pytorch-fid's Inception file (torch/serialization.py `_legacy_save`): pickles of the magic
// number, protocol version, sys_info, the object, the sorted storage keys; then per storage an int64 count + raw data.
import { CheckpointError } from '../checkpoint/checkpoint-error'
import { decodeToFloat32, dtypeBytes, numelOf } from '../checkpoint/dtypes'
import { unpickleAt, type PickleCallable } from '../checkpoint/pickle'
import { gatherStrided } from '../checkpoint/pth'
import { RandomAccessFile } from '../checkpoint/random-access-file'
import { isStorageKind, isTensorRef, resolveTorchGlobal, type StorageRef, type TensorRef } from '../checkpoint/torch-globals'

const MAGIC = 0x1950a86a20f9469cfc6cn
const maxHeadBytes = 64 << 20 // the pickles before the storages; a few KB for these files

export interface LegacyTensor {
  readonly name: string
  readonly shape: readonly number[]
  read(): Promise<Float32Array>
}

/** A storage as the pickle names it: its root storage and where the view starts in it (views are rare). */
interface StorageSlot { rootKey: string; elementOffset: number }

export async function openLegacyTorchSave(path: string): Promise<{ tensors: Map<string, LegacyTensor>; close(): Promise<void> }> {
  const file = await RandomAccessFile.open(path)
  try {
    const head = await file.read(0, Math.min(file.sizeBytes, maxHeadBytes), 'legacy torch.save header')
    const slots = new Map<StorageRef, StorageSlot>()
    const roots = new Map<string, StorageRef>()
    const opts = { resolveGlobal: resolveLegacyGlobal, persistentLoad: (pid: unknown, where: string) => storageRef(pid, where, slots, roots) }
    let at = 0
    const next = () => {
      const { value, end } = unpickleAt(head, at, opts, path)
      at = end
      return value
    }
    if (next() !== MAGIC) throw new CheckpointError(`${path}: not a torch.save file (no legacy magic number)`)
    next() // protocol version (1001)
    const sysInfo = next()
    const littleEndian = !(sysInfo instanceof Map) || sysInfo.get('little_endian') !== false
    const root = next()
    const keys = next()
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointError(`${path}: malformed storage key list`)
    const dataStart = await storageOffsets(file, at, keys, roots, littleEndian, path)
    const read = async (t: TensorRef) => readTensor(file, t, slots.get(t.storage)!, roots, dataStart, littleEndian)
    return { tensors: stateDict(root, path, read), close: () => file.close() }
  } catch (err) {
    await file.close()
    throw err
  }
}

/** torch's globals, plus the pre-0.4 `_rebuild_tensor(storage, offset, size, stride)`. */
function resolveLegacyGlobal(module: string, name: string, where: string): unknown {
  if (module !== 'torch._utils' || name !== '_rebuild_tensor') return resolveTorchGlobal(module, name, where)
  const v2 = resolveTorchGlobal('torch._utils', '_rebuild_tensor_v2', where) as PickleCallable
  return { qualifiedName: 'torch._utils._rebuild_tensor', call: (args, w) => v2.call([...args, false, new Map()], w) } satisfies PickleCallable
}

/** persistent_load for `('storage', StorageType, root_key, location, root_numel, view_metadata | None)`. */
function storageRef(pid: unknown, where: string, slots: Map<StorageRef, StorageSlot>, roots: Map<string, StorageRef>): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 6 || pid[0] !== 'storage') throw new CheckpointError(`${where}: unsupported persistent id`)
  const [, kind, rootKey, , numel, view] = pid as unknown[]
  if (!isStorageKind(kind) || typeof rootKey !== 'string' || typeof numel !== 'number') throw new CheckpointError(`${where}: malformed storage persistent id`)
  let root = roots.get(rootKey)
  if (!root) roots.set(rootKey, (root = { kind: 'storage', key: rootKey, dtype: kind.dtype, numel }))
  if (view === null) {
    slots.set(root, { rootKey, elementOffset: 0 })
    return root
  }
  const [viewKey, offset, size] = view as unknown[]
  if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof size !== 'number' || offset + size > numel) {
    throw new CheckpointError(`${where}: malformed storage view of ${rootKey}`)
  }
  const ref: StorageRef = { kind: 'storage', key: `${rootKey}/${viewKey}`, dtype: kind.dtype, numel: size }
  slots.set(ref, { rootKey, elementOffset: offset })
  return ref
}

/** Byte offset of each root storage's data: after the key list, each storage is `int64 numel` + numel elements. */
async function storageOffsets(
  file: RandomAccessFile, start: number, keys: string[], roots: Map<string, StorageRef>, littleEndian: boolean, path: string,
): Promise<Map<string, number>> {
  const offsets = new Map<string, number>()
  let at = start
  for (const key of keys) {
    const root = roots.get(key)
    if (!root) throw new CheckpointError(`${path}: storage ${key} is listed but no tensor uses it`)
    const count = new DataView((await file.read(at, 8, `size of storage ${key}`)).buffer).getBigInt64(0, littleEndian)
    if (count !== BigInt(root.numel)) throw new CheckpointError(`${path}: storage ${key} holds ${count} elements, the pickle says ${root.numel}`)
    offsets.set(key, at + 8)
    at += 8 + root.numel * dtypeBytes[root.dtype]
  }
  if (at > file.sizeBytes) throw new CheckpointError(`${path}: truncated (storages end at byte ${at}, the file has ${file.sizeBytes})`)
  return offsets
}

async function readTensor(
  file: RandomAccessFile, t: TensorRef, slot: StorageSlot, roots: Map<string, StorageRef>, dataStart: Map<string, number>, littleEndian: boolean,
): Promise<Float32Array> {
  const numel = numelOf(t.shape, t.storage.key)
  if (numel === 0) return new Float32Array(0)
  const itemBytes = dtypeBytes[roots.get(slot.rootKey)!.dtype]
  const span = t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i]!, 0) + 1
  const at = dataStart.get(slot.rootKey)! + (slot.elementOffset + t.storageOffset) * itemBytes
  const contiguous = isRowMajor(t.shape, t.stride)
  const length = contiguous ? numel : span
  const values = decodeToFloat32(await file.read(at, length * itemBytes, `tensor data of storage ${slot.rootKey}`), t.storage.dtype, littleEndian)
  return contiguous ? values : gatherStrided(values, t.shape, t.stride)
}

function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false
    expected *= shape[i]!
  }
  return true
}

function stateDict(root: unknown, path: string, read: (t: TensorRef) => Promise<Float32Array>): Map<string, LegacyTensor> {
  if (!(root instanceof Map)) throw new CheckpointError(`${path}: a legacy torch.save file that is not a state dict`)
  const tensors = new Map<string, LegacyTensor>()
  for (const [name, t] of root) {
    if (typeof name !== 'string' || !isTensorRef(t)) throw new CheckpointError(`${path}: entry ${String(name)} of the state dict is not a tensor`)
    tensors.set(name, { name, shape: t.shape, read: () => read(t) })
  }
  return tensors
}
