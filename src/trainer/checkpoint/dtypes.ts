// Element types of stored tensors (safetensors names; torch storage classes map onto them) and their
// decoding to Float32Array, the one type the engine computes in. F16/BF16 widen exactly; I64/F64 narrow.
import { CheckpointError } from './checkpoint-error'

export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL'

export const dtypeBytes: Readonly<Record<DType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
}

export function isDType(name: string): name is DType {
  return Object.hasOwn(dtypeBytes, name)
}

export function toDType(name: string, where: string): DType {
  if (!isDType(name)) throw new CheckpointError(`${where}: unsupported dtype ${JSON.stringify(name)}`)
  return name
}

/** Product of a shape; throws if it is not a list of non-negative safe integers. */
export function numelOf(shape: readonly number[], where: string): number {
  let n = 1
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new CheckpointError(`${where}: invalid shape [${shape.join(', ')}]`)
    n *= d
  }
  if (!Number.isSafeInteger(n)) throw new CheckpointError(`${where}: shape [${shape.join(', ')}] is too large`)
  return n
}

/** IEEE half bits → float. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

/** float → IEEE half bits, round to nearest even (as torch's .half()). */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x])
  const bits = new Uint32Array(f32.buffer)[0]!
  const sign = (bits >>> 16) & 0x8000
  const exp = (bits >>> 23) & 0xff
  const mant = bits & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    const m = mant | 0x800000
    const shift = 14 - e
    const half = m >> shift
    const rest = m & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0))
  }
  const base = sign | (e << 10) | (mant >> 13)
  const rest = mant & 0x1fff
  return base + (rest > 0x1000 || (rest === 0x1000 && base & 1) ? 1 : 0)
}

export const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Decodes the elements of `dtype` stored in `bytes` (little-endian unless told otherwise). F32 in host order
 * reuses the buffer when `bytes` spans all of it (a fresh read), so a 1 GB tensor is not held twice.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: DType, littleEndian = true): Float32Array {
  const count = Math.floor(bytes.byteLength / dtypeBytes[dtype])
  if (dtype === 'F32' && littleEndian === hostLittleEndian) {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    return new Float32Array(whole ? bytes.buffer : bytes.slice().buffer, 0, count)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(count)
  const get = elementReader(view, dtype, littleEndian)
  for (let i = 0; i < count; i++) out[i] = get(i)
  return out
}

function elementReader(v: DataView, dtype: DType, le: boolean): (i: number) => number {
  switch (dtype) {
    case 'F64': return (i) => v.getFloat64(i * 8, le)
    case 'F32': return (i) => v.getFloat32(i * 4, le)
    case 'F16': return (i) => halfToFloat(v.getUint16(i * 2, le))
    case 'BF16': return (i) => bf16ToFloat(v.getUint16(i * 2, le))
    case 'I64': return (i) => Number(v.getBigInt64(i * 8, le))
    case 'I32': return (i) => v.getInt32(i * 4, le)
    case 'I16': return (i) => v.getInt16(i * 2, le)
    case 'I8': return (i) => v.getInt8(i)
    case 'U8': case 'BOOL': return (i) => v.getUint8(i)
  }
}

const bf16Scratch = new Float32Array(1)
const bf16Bits = new Uint32Array(bf16Scratch.buffer)
function bf16ToFloat(h: number): number {
  bf16Bits[0] = h << 16
  return bf16Scratch[0]!
}
