// A small ONNX graph builder: unique value names, nodes, initializers, typed inputs and outputs.
// It knows nothing about shapes or op semantics; `trace-ops.ts` supplies both.
import { DataType, type Attribute, type ModelDef, type NodeDef, type TensorDef, type ValueInfoDef } from './onnx-proto'

/** Attribute constructors: `attr.ints('perm', [0, 2, 1, 3])`. */
export const attr = {
  float: (name: string, f: number): Attribute => ({ name, type: 'FLOAT', f }),
  int: (name: string, i: number): Attribute => ({ name, type: 'INT', i }),
  string: (name: string, s: string): Attribute => ({ name, type: 'STRING', s }),
  tensor: (name: string, t: TensorDef): Attribute => ({ name, type: 'TENSOR', t }),
  floats: (name: string, floats: readonly number[]): Attribute => ({ name, type: 'FLOATS', floats }),
  ints: (name: string, ints: readonly number[]): Attribute => ({ name, type: 'INTS', ints }),
}

export class OnnxGraph {
  private readonly nodes: NodeDef[] = []
  private readonly initializers: TensorDef[] = []
  private readonly inputs: ValueInfoDef[] = []
  private readonly outputs: ValueInfoDef[] = []
  private readonly valueInfo: ValueInfoDef[] = []
  private readonly names = new Set<string>()
  private readonly reserved = new Set<string>()
  private readonly counters = new Map<string, number>()
  private readonly domainOpsets = new Map<string, number>() // non-default domains the nodes use

  constructor(readonly name: string) {}

  /** `base` itself when still free, else `base_1`, `base_2`, … */
  uniqueName(base: string): string {
    let name = base
    while (this.names.has(name)) {
      const n = (this.counters.get(base) ?? 0) + 1
      this.counters.set(base, n)
      name = `${base}_${n}`
    }
    this.names.add(name)
    return name
  }

  /** Adds one node; its outputs are `outputNames` (claimed here) or else one fresh name. Returns the outputs. */
  addNode(opType: string, inputs: readonly string[], attributes: readonly Attribute[] = [], outputNames?: readonly string[]): string[] {
    const name = this.uniqueName(opType)
    for (const o of outputNames ?? []) this.claim(o)
    const outputs = outputNames ? [...outputNames] : [this.uniqueName(`${name}_out`)]
    this.nodes.push({ name, opType, inputs, outputs, attributes })
    return outputs
  }

  /** Adds one node of another operator domain (e.g. "com.microsoft" version 1) and imports that domain. */
  addDomainNode(domain: string, version: number, opType: string, inputs: readonly string[], attributes: readonly Attribute[] = []): string[] {
    const known = this.domainOpsets.get(domain)
    if (known !== undefined && known !== version) throw new Error(`domain ${domain} is imported at version ${known}, not ${version}`)
    this.domainOpsets.set(domain, version)
    const name = this.uniqueName(opType)
    const outputs = [this.uniqueName(`${name}_out`)]
    this.nodes.push({ name, opType, domain, inputs, outputs, attributes })
    return outputs
  }

  /** Claims a name now for a value added later (an initializer written only once it is used). */
  reserve(name: string): void {
    this.claim(name)
    this.reserved.add(name)
  }

  /** Adds an initializer under its own name, which must be unused or reserved. */
  addInitializer(t: TensorDef): string {
    if (!this.reserved.delete(t.name)) this.claim(t.name)
    this.initializers.push(t)
    return t.name
  }

  /** Adds a float initializer under a fresh name derived from `base`. */
  addFloatInitializer(base: string, data: Float32Array, dims: readonly number[]): string {
    const name = this.uniqueName(base)
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, data })
    return name
  }

  /** Adds a 1-D int64 initializer (shapes, axes, slice bounds) under a fresh name. */
  addInt64Initializer(base: string, values: readonly number[]): string {
    const name = this.uniqueName(base)
    const data = BigInt64Array.from(values, (v) => BigInt(v))
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], data })
    return name
  }

  /** Adds a float graph input under its own name, which must be unused or reserved. */
  addInput(name: string, shape: readonly number[]): string {
    if (!this.reserved.delete(name)) this.claim(name)
    this.inputs.push({ name, shape: [...shape] })
    return name
  }

  /** Declares an existing value as a graph output. */
  addOutput(name: string, shape: readonly number[]): void {
    this.outputs.push({ name, shape: [...shape] })
  }

  /** Records the shape of an intermediate value (for viewers and shape checks). */
  addValueInfo(name: string, shape: readonly number[]): void {
    this.valueInfo.push({ name, shape: [...shape] })
  }

  toModel(opset = 17): ModelDef {
    const { name, nodes, initializers, inputs, outputs, valueInfo } = this
    const domainOpsets = Object.fromEntries(this.domainOpsets)
    return { opset, domainOpsets, graph: { name, nodes, initializers, inputs, outputs, valueInfo } }
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX value name "${name}" is already used`)
    this.names.add(name)
  }
}
