// The allow-list of globals a torch.save state dict may name (as torch/_weights_only_unpickler.py): the
// tensor rebuild functions, OrderedDict, typed storage classes and dtypes. Everything else is refused.
import { CheckpointError } from './checkpoint-error'
import { numelOf, type DType } from './dtypes'
import type { PickleCallable } from './pickle'

/** A storage class (torch.FloatStorage) or dtype (torch.float32) named in a persistent id. */
export interface StorageKind { readonly kind: 'storage-kind'; readonly qualifiedName: string; readonly dtype: DType }

/** A storage record `<prefix>/data/<key>` resolved from a persistent id, already checked against the zip. */
export interface StorageRef { readonly kind: 'storage'; readonly key: string; readonly dtype: DType; readonly numel: number }

/** What `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)` describes; the data is read later. */
export interface TensorRef {
  readonly kind: 'tensor'
  readonly storage: StorageRef
  readonly storageOffset: number // in elements
  readonly shape: readonly number[]
  readonly stride: readonly number[] // in elements
}

const storageDTypes: Readonly<Record<string, DType>> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL', UntypedStorage: 'U8',
}

const dtypeGlobals: Readonly<Record<string, DType>> = {
  float32: 'F32', float: 'F32', float16: 'F16', half: 'F16', bfloat16: 'BF16', float64: 'F64', double: 'F64',
  int64: 'I64', long: 'I64', int32: 'I32', int: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
}

export function isTensorRef(x: unknown): x is TensorRef {
  return typeof x === 'object' && x !== null && (x as TensorRef).kind === 'tensor'
}

export function isStorageKind(x: unknown): x is StorageKind {
  return typeof x === 'object' && x !== null && (x as StorageKind).kind === 'storage-kind'
}

/** The value of an allowed global, or undefined (refused); a storage type or dtype we cannot decode is an error. */
export function resolveTorchGlobal(module: string, name: string, where: string): unknown {
  const qualifiedName = `${module}.${name}`
  if (module === 'torch' && (/Storage$/.test(name) || /^(bfloat|float|complex|uint|int|qint|quint|bits)\d/.test(name))
    && !Object.hasOwn(storageDTypes, name) && !Object.hasOwn(dtypeGlobals, name)) {
    throw new CheckpointError(`${where}: unsupported dtype ${qualifiedName}`)
  }
  if (module === 'torch' && Object.hasOwn(storageDTypes, name)) return { kind: 'storage-kind', qualifiedName, dtype: storageDTypes[name]! }
  if (module === 'torch.storage' && name === 'UntypedStorage') return { kind: 'storage-kind', qualifiedName, dtype: 'U8' }
  if (module === 'torch' && Object.hasOwn(dtypeGlobals, name)) return { kind: 'storage-kind', qualifiedName, dtype: dtypeGlobals[name]! }
  if (qualifiedName === 'torch._utils._rebuild_tensor_v2') return callable(qualifiedName, rebuildTensorV2)
  if (qualifiedName === 'torch._utils._rebuild_parameter') return callable(qualifiedName, rebuildParameter)
  if (qualifiedName === 'collections.OrderedDict') return callable(qualifiedName, newOrderedDict)
  return undefined
}

function callable(qualifiedName: string, call: PickleCallable['call']): PickleCallable {
  return { qualifiedName, call }
}

function newOrderedDict(args: readonly unknown[], where: string): Map<unknown, unknown> {
  if (args.length !== 0) throw new CheckpointError(`${where}: OrderedDict called with arguments`)
  return new Map()
}

function rebuildParameter(args: readonly unknown[], where: string): TensorRef {
  if (!isTensorRef(args[0])) throw new CheckpointError(`${where}: _rebuild_parameter of something that is not a tensor`)
  return args[0]
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensorV2(args: readonly unknown[], where: string): TensorRef {
  const [storage, storageOffset, shape, stride] = args
  if (args.length < 6 || args.length > 7) throw new CheckpointError(`${where}: _rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`)
  if (typeof storage !== 'object' || storage === null || (storage as StorageRef).kind !== 'storage') {
    throw new CheckpointError(`${where}: _rebuild_tensor_v2 without a storage`)
  }
  const ref = storage as StorageRef
  if (!isIndex(storageOffset) || !isIndexList(shape) || !isIndexList(stride) || shape.length !== stride.length) {
    throw new CheckpointError(`${where}: _rebuild_tensor_v2 with an invalid offset, size or stride`)
  }
  const numel = numelOf(shape, where)
  const lastIndex = shape.reduce((acc, d, i) => acc + (d - 1) * stride[i]!, storageOffset)
  if (numel > 0 && lastIndex >= ref.numel) {
    throw new CheckpointError(`${where}: tensor [${shape.join(', ')}] at offset ${storageOffset} with stride [${stride.join(', ')}] reads past storage ${ref.key} (${ref.numel} elements)`)
  }
  return { kind: 'tensor', storage: ref, storageOffset, shape: [...shape], stride: [...stride] }
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function isIndexList(x: unknown): x is readonly number[] {
  return Array.isArray(x) && x.every(isIndex)
}
