// Dependency-free protobuf encoder for the subset of onnx/onnx.proto that export needs (ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers follow onnx.proto.
// Output is a list of byte chunks, so large raw_data is never copied into one buffer.

/** TensorProto.DataType values we emit. */
export const DataType = { FLOAT: 1, INT64: 7 } as const
export type DataType = (typeof DataType)[keyof typeof DataType]

export interface TensorDef {
  readonly name: string
  readonly dataType: DataType
  readonly dims: readonly number[]
  /** The values, or a function making them when written, so a derived copy (a transposed weight) is short-lived. */
  readonly data: Float32Array | BigInt64Array | (() => Float32Array)
}

export type Attribute = { readonly name: string } & (
  | { readonly type: 'FLOAT'; readonly f: number }
  | { readonly type: 'INT'; readonly i: number }
  | { readonly type: 'STRING'; readonly s: string }
  | { readonly type: 'TENSOR'; readonly t: TensorDef }
  | { readonly type: 'FLOATS'; readonly floats: readonly number[] }
  | { readonly type: 'INTS'; readonly ints: readonly number[] }
)

export interface NodeDef {
  readonly name: string
  readonly opType: string
  readonly domain?: string // "" or absent: the default "ai.onnx"; e.g. "com.microsoft" for onnxruntime's contrib ops
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  readonly attributes: readonly Attribute[]
}

/** A float tensor value; a dim of -1 is dynamic (see valueInfoProto). */
export interface ValueInfoDef {
  readonly name: string
  readonly shape: readonly number[]
}

export interface GraphDef {
  readonly name: string
  readonly nodes: readonly NodeDef[]
  readonly initializers: readonly TensorDef[]
  readonly inputs: readonly ValueInfoDef[]
  readonly outputs: readonly ValueInfoDef[]
  readonly valueInfo: readonly ValueInfoDef[]
}

export interface ModelDef {
  readonly graph: GraphDef
  readonly opset: number // default domain ("ai.onnx") version, ≥ 17
  readonly domainOpsets?: Readonly<Record<string, number>> // further opset imports, e.g. { 'com.microsoft': 1 }
}

/** Where an initializer's bytes live when written as ONNX external data. */
export interface ExternalRef {
  readonly location: string // file name relative to the model file
  readonly offset: number
  readonly length: number
}

const IR_VERSION = 8
const PRODUCER = 'flowmo-studio'
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const
const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const
const utf8 = new TextEncoder()
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 // raw_data is little-endian; typed arrays are host order

/** Appends protobuf fields to a list of chunks; nested messages are spliced in without copying. */
class ProtoWriter {
  readonly chunks: Uint8Array[] = []
  length = 0

  varint(field: number, n: number): void {
    this.tag(field, WIRE.VARINT)
    this.rawVarint(n)
  }

  float(field: number, f: number): void {
    this.tag(field, WIRE.I32)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, f, true)
    this.push(b)
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, WIRE.LEN)
    this.rawVarint(b.byteLength)
    this.push(b)
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s))
  }

  message(field: number, m: ProtoWriter): void {
    this.tag(field, WIRE.LEN)
    this.rawVarint(m.length)
    for (const c of m.chunks) this.push(c)
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  /** int64 varint; negative numbers take ten bytes in two's complement, as protobuf requires. */
  private rawVarint(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`varint needs a safe integer, got ${n}`)
    let v = BigInt.asUintN(64, BigInt(n))
    const out: number[] = []
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    out.push(Number(v))
    this.push(Uint8Array.from(out))
  }

  private push(b: Uint8Array): void {
    this.chunks.push(b)
    this.length += b.byteLength
  }
}

/** The little-endian bytes of a tensor's data, as a view (no copy). */
export function tensorBytes(t: TensorDef): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('ONNX raw_data is little-endian; this host is big-endian')
  const data = typeof t.data === 'function' ? t.data() : t.data
  if (data.length !== tensorLength(t)) throw new Error(`tensor ${t.name} holds ${data.length} values, dims [${t.dims}] need ${tensorLength(t)}`)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

export function tensorByteLength(t: TensorDef): number {
  return tensorLength(t) * (t.dataType === DataType.FLOAT ? 4 : 8)
}

function tensorLength(t: TensorDef): number {
  return t.dims.reduce((a, b) => a * b, 1)
}

function tensorProto(t: TensorDef, external: ExternalRef | undefined): ProtoWriter {
  const w = new ProtoWriter()
  for (const d of t.dims) w.varint(1, d) // dims
  w.varint(2, t.dataType) // data_type
  w.string(8, t.name) // name
  if (!external) {
    w.bytes(9, tensorBytes(t)) // raw_data
    return w
  }
  const entries: [string, string][] = [
    ['location', external.location],
    ['offset', String(external.offset)],
    ['length', String(external.length)],
  ]
  for (const [key, value] of entries) {
    const kv = new ProtoWriter()
    kv.string(1, key)
    kv.string(2, value)
    w.message(13, kv) // external_data
  }
  w.varint(14, 1) // data_location = EXTERNAL
  return w
}

function attributeProto(a: Attribute): ProtoWriter {
  const w = new ProtoWriter()
  w.string(1, a.name)
  w.varint(20, ATTRIBUTE_TYPE[a.type]) // type
  switch (a.type) {
    case 'FLOAT': w.float(2, a.f); break
    case 'INT': w.varint(3, a.i); break
    case 'STRING': w.string(4, a.s); break
    case 'TENSOR': w.message(5, tensorProto(a.t, undefined)); break
    case 'FLOATS': for (const f of a.floats) w.float(7, f); break
    case 'INTS': for (const i of a.ints) w.varint(8, i); break
  }
  return w
}

function nodeProto(n: NodeDef): ProtoWriter {
  const w = new ProtoWriter()
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attributes) w.message(5, attributeProto(a))
  if (n.domain) w.string(7, n.domain)
  return w
}

/**
 * ValueInfoProto → TypeProto.tensor_type (elem_type FLOAT) → TensorShapeProto. A -1 dim is named "batch"
 * on graph inputs and outputs; inside the graph it may be a multiple of the batch, so it is left unnamed.
 */
function valueInfoProto(v: ValueInfoDef, dynamicDim: 'batch' | 'unnamed'): ProtoWriter {
  const shape = new ProtoWriter()
  for (const d of v.shape) {
    const dim = new ProtoWriter()
    if (d === -1 && dynamicDim === 'batch') dim.string(2, 'batch') // dim_param
    else if (d !== -1) dim.varint(1, d) // dim_value
    shape.message(1, dim)
  }
  const tensorType = new ProtoWriter()
  tensorType.varint(1, DataType.FLOAT) // elem_type
  tensorType.message(2, shape)
  const type = new ProtoWriter()
  type.message(1, tensorType) // tensor_type
  const w = new ProtoWriter()
  w.string(1, v.name)
  w.message(2, type)
  return w
}

function graphProto(g: GraphDef, external: ReadonlyMap<string, ExternalRef>): ProtoWriter {
  const w = new ProtoWriter()
  for (const n of g.nodes) w.message(1, nodeProto(n))
  w.string(2, g.name)
  for (const t of g.initializers) w.message(5, tensorProto(t, external.get(t.name)))
  for (const v of g.inputs) w.message(11, valueInfoProto(v, 'batch'))
  for (const v of g.outputs) w.message(12, valueInfoProto(v, 'batch'))
  for (const v of g.valueInfo) w.message(13, valueInfoProto(v, 'unnamed'))
  return w
}

/**
 * Serializes a model as ModelProto chunks (concatenate or write them in order). Initializers named in
 * `external` are written as references into the external data file instead of inline raw_data.
 */
export function encodeModel(m: ModelDef, external: ReadonlyMap<string, ExternalRef> = new Map()): Uint8Array[] {
  if (m.opset < 17) throw new Error(`opset must be ≥ 17, got ${m.opset}`)
  const w = new ProtoWriter()
  w.varint(1, IR_VERSION)
  w.string(2, PRODUCER)
  w.message(7, graphProto(m.graph, external))
  for (const [domain, version] of [['', m.opset] as const, ...Object.entries(m.domainOpsets ?? {})]) {
    const opset = new ProtoWriter() // OperatorSetIdProto; domain "" is the default "ai.onnx"
    opset.string(1, domain)
    opset.varint(2, version)
    w.message(8, opset)
  }
  return w.chunks
}
