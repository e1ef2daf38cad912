/**
 * A small ONNX graph builder: enough to write tiny CLIP-format exports for tests and demo models.
 *
 *   const g = new GraphBuilder('vision');
 *   g.input('pixel_values', 'float32', ['batch', 3, 224, 224]);
 *   g.initializer('W', weights, [3, 8]);
 *   g.node('GlobalAveragePool', ['pixel_values'], ['pooled']);
 *   ...
 *   g.output('image_embeds', 'float32', ['batch', 8]);
 *   const bytes = g.toModelBytes({ opset: 17 });
 *
 * Attribute values are typed from the JS value (see `AttrValue`); use the explicit wrappers
 * (`{ f: 1 }`, `{ ints: [] }`, …) when the plain value would be ambiguous.
 */
import { endianness } from 'node:os';
import { AttributeType, DataType, encodeModel } from './schema.ts';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './schema.ts';

export type OnnxDtype = 'float64' | 'float32' | 'float16' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

/** Typed array holding initializer data; Uint16Array carries float16 bit patterns. */
export type TensorData = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;

export interface TensorValue {
  data: TensorData;
  dims: number[];
  dtype?: OnnxDtype;
}

/**
 * How an attribute value maps to an ONNX attribute type:
 * - integer number → INT; non-integer number → FLOAT; string → STRING
 * - number[] whose entries are all integers (including []) → INTS, otherwise FLOATS; Float32Array → FLOATS
 * - wrappers: `{ f }` FLOAT, `{ i }` INT, `{ s }` STRING, `{ ints }` INTS, `{ floats }` FLOATS,
 *   `{ strings }` STRINGS, `{ tensor }` TENSOR, `{ graph }` GRAPH (a subgraph for If/Loop/Scan).
 */
export type AttrValue =
  | number
  | number[]
  | string
  | Float32Array
  | { f: number }
  | { i: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] }
  | { tensor: TensorValue }
  | { graph: GraphBuilder };

export interface ModelOptions {
  /** Default-domain opset version (default 17). */
  opset?: number;
  /** Versions for other operator domains used by nodes (e.g. { 'com.microsoft': 1 }); unlisted ones get 1. */
  opsets?: Record<string, number>;
  producer?: string;
  /** Written to ModelProto.metadata_props. */
  metadata?: Record<string, string>;
}

const DTYPE_CODE: Record<OnnxDtype, number> = {
  float64: DataType.DOUBLE,
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  bool: DataType.BOOL,
};

/** Bytes per element of each dtype, as stored in raw_data. */
const DTYPE_BYTES: Record<OnnxDtype, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  bool: 1,
};

export function dtypeCode(dtype: OnnxDtype): number {
  return DTYPE_CODE[dtype];
}

/** The IR version matching an opset (onnx/helper.py VERSION_TABLE): opset 15–18 → IR 8, 19–20 → 9, 21+ → 10. */
function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function inferDtype(data: TensorData): OnnxDtype {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

/** Build a TensorProto with little-endian raw_data. */
export function makeTensor(name: string, data: TensorData, dims: number[], dtype: OnnxDtype = inferDtype(data)): TensorProto {
  if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; big-endian hosts are not supported');
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`tensor "${name}": ${data.length} values for dims [${dims.join(', ')}] (needs ${count})`);
  }
  if (data.BYTES_PER_ELEMENT !== DTYPE_BYTES[dtype]) {
    throw new Error(`tensor "${name}": ${data.constructor.name} cannot hold ${dtype} values`);
  }
  // Copy so later changes to the caller's array do not alter the built tensor.
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dims: [...dims], data_type: DTYPE_CODE[dtype], raw_data: raw };
}

function valueInfo(name: string, dtype: OnnxDtype, shape: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DTYPE_CODE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

const utf8 = new TextEncoder();

function isIntegerList(v: number[]): boolean {
  return v.every((x) => Number.isInteger(x));
}

function makeAttribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8.encode(value) };
  if (value instanceof Float32Array) return { name, type: AttributeType.FLOATS, floats: Array.from(value) };
  if (Array.isArray(value)) {
    return isIntegerList(value)
      ? { name, type: AttributeType.INTS, ints: value }
      : { name, type: AttributeType.FLOATS, floats: value };
  }
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  if ('i' in value) {
    if (!Number.isInteger(value.i)) throw new Error(`attribute "${name}": { i } needs an integer, got ${value.i}`);
    return { name, type: AttributeType.INT, i: value.i };
  }
  if ('s' in value) return { name, type: AttributeType.STRING, s: utf8.encode(value.s) };
  if ('ints' in value) {
    if (!isIntegerList(value.ints)) throw new Error(`attribute "${name}": { ints } needs integers`);
    return { name, type: AttributeType.INTS, ints: value.ints };
  }
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  if ('strings' in value) return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => utf8.encode(s)) };
  if ('tensor' in value) {
    const t = value.tensor;
    return { name, type: AttributeType.TENSOR, t: makeTensor('', t.data, t.dims, t.dtype) };
  }
  if ('graph' in value) return { name, type: AttributeType.GRAPH, g: value.graph.toGraphProto() };
  throw new Error(`attribute "${name}": unsupported value ${JSON.stringify(value)}`);
}

export class GraphBuilder {
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  private readonly domains = new Set<string>();

  constructor(readonly name: string) {}

  input(name: string, dtype: OnnxDtype, shape: (number | string)[]): this {
    this.inputs.push(valueInfo(name, dtype, shape));
    return this;
  }

  output(name: string, dtype: OnnxDtype, shape: (number | string)[]): this {
    this.outputs.push(valueInfo(name, dtype, shape));
    return this;
  }

  /** A constant weight, stored as little-endian raw_data. dtype defaults from the array type. */
  initializer(name: string, data: TensorData, dims: number[], dtype?: OnnxDtype): this {
    this.initializers.push(makeTensor(name, data, dims, dtype));
    return this;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): this {
    if (domain) this.domains.add(domain);
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      op_type: opType,
      // proto2 fields have presence: leave the default domain unset rather than encoding "".
      ...(domain ? { domain } : {}),
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)),
    });
    return this;
  }

  toGraphProto(): GraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  toModel(opts: ModelOptions = {}): ModelProto {
    const opset = opts.opset ?? 17;
    const domains = new Set([...this.domains, ...Object.keys(opts.opsets ?? {})]);
    domains.delete('');
    return {
      ir_version: irVersionFor(opset),
      opset_import: [
        { version: opset },
        ...[...domains].sort().map((d) => ({ domain: d, version: opts.opsets?.[d] ?? 1 })),
      ],
      producer_name: opts.producer ?? 'clip-bench',
      graph: this.toGraphProto(),
      metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  toModelBytes(opts: ModelOptions = {}): Uint8Array {
    return encodeModel(this.toModel(opts));
  }
}
