// TensorBoard `Event` protos (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto), decoded with a small
// protobuf wire-format reader: only the fields scalars need. torch's SummaryWriter.add_scalar writes
// Summary.Value.simple_value; new_style writers write a 0-d float TensorProto (float_val, double_val or tensor_content).

export interface ScalarEvent { tag: string; step: number; wallTime: number; value: number }

type Field = { no: number; wire: number; varint?: bigint; fixed64?: DataView; fixed32?: DataView; bytes?: Uint8Array }

/** The fields of one message, in order; throws on malformed wire data. */
function fields(b: Uint8Array, where: string): Field[] {
  const out: Field[] = []
  let at = 0
  const varint = (): bigint => {
    let v = 0n
    for (let shift = 0n; ; shift += 7n) {
      if (at >= b.byteLength || shift > 63n) throw new Error(`${where}: malformed protobuf varint`)
      const byte = b[at++]!
      v |= BigInt(byte & 0x7f) << shift
      if (!(byte & 0x80)) return v
    }
  }
  const take = (n: number): Uint8Array => {
    if (at + n > b.byteLength) throw new Error(`${where}: truncated protobuf field`)
    return b.subarray(at, (at += n))
  }
  while (at < b.byteLength) {
    const key = Number(varint())
    const f: Field = { no: key >>> 3, wire: key & 7 }
    if (f.wire === 0) f.varint = varint()
    else if (f.wire === 1) f.fixed64 = dataView(take(8))
    else if (f.wire === 5) f.fixed32 = dataView(take(4))
    else if (f.wire === 2) f.bytes = take(Number(varint()))
    else throw new Error(`${where}: unsupported protobuf wire type ${f.wire}`)
    out.push(f)
  }
  return out
}

const dataView = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array())

/** The scalars of one serialized Event (none for file_version, graph, image, histogram … events). */
export function eventScalars(record: Uint8Array, where: string): ScalarEvent[] {
  let wallTime = 0
  let step = 0
  const values: Uint8Array[] = []
  for (const f of fields(record, where)) {
    if (f.no === 1 && f.fixed64) wallTime = f.fixed64.getFloat64(0, true)
    else if (f.no === 2 && f.varint !== undefined) step = Number(BigInt.asIntN(64, f.varint))
    else if (f.no === 5 && f.bytes) for (const v of fields(f.bytes, where)) if (v.no === 1 && v.bytes) values.push(v.bytes)
  }
  return values.flatMap((v) => {
    const scalar = summaryValue(v, where)
    return scalar ? [{ ...scalar, step, wallTime }] : []
  })
}

/** Summary.Value: tag (1), simple_value (2, float) or tensor (8, TensorProto). */
function summaryValue(b: Uint8Array, where: string): { tag: string; value: number } | null {
  let tag = ''
  let value: number | null = null
  for (const f of fields(b, where)) {
    if (f.no === 1) tag = text(f.bytes)
    else if (f.no === 2 && f.fixed32) value = f.fixed32.getFloat32(0, true)
    else if (f.no === 8 && f.bytes) value = tensorScalar(f.bytes, where)
  }
  return value === null ? null : { tag, value }
}

/** A one-element TensorProto: float_val (5), double_val (6) or tensor_content (4) by dtype (1: DT_FLOAT 1, DT_DOUBLE 2). */
function tensorScalar(b: Uint8Array, where: string): number | null {
  let dtype = 0
  let content: Uint8Array | null = null
  let value: number | null = null
  for (const f of fields(b, where)) {
    if (f.no === 1 && f.varint !== undefined) dtype = Number(f.varint)
    else if (f.no === 4 && f.bytes) content = f.bytes
    else if (f.no === 5) value = f.fixed32 ? f.fixed32.getFloat32(0, true) : f.bytes && f.bytes.byteLength >= 4 ? dataView(f.bytes).getFloat32(0, true) : value
    else if (f.no === 6) value = f.fixed64 ? f.fixed64.getFloat64(0, true) : f.bytes && f.bytes.byteLength >= 8 ? dataView(f.bytes).getFloat64(0, true) : value
  }
  if (value !== null) return value
  if (content && dtype === 1 && content.byteLength === 4) return dataView(content).getFloat32(0, true)
  if (content && dtype === 2 && content.byteLength === 8) return dataView(content).getFloat64(0, true)
  return null
}
