/**
 * ONNX's protobuf schema: the official onnx/onnx-ml.proto (ONNX v1.12.0, IR version 8; vendored
 * beside this file with its provenance and licence), parsed at runtime by protobufjs. Parsing the
 * .proto text (a few milliseconds, once) rather than checking in generated code keeps the upstream
 * file itself as the single source: updating ONNX is replacing that file, with no generator to run.
 * Every message of the schema round-trips (functions, sparse initializers, training info,
 * sequence/map/optional types, quantization annotations); fields added to ONNX after IR 8 are not
 * in this schema and protobufjs skips them on decode.
 * Field names keep ONNX's snake_case; the interfaces below describe the plain objects that
 * decodeModel returns, listing the fields the harness reads or writes (the rest pass through).
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** TensorProto.DataType. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const PROTO_FILE = new URL('./onnx-ml.proto', import.meta.url);

export const onnxRoot = protobuf.parse(readFileSync(PROTO_FILE, 'utf8'), { keepCase: true }).root.resolveAll();
export const ModelProtoType = onnxRoot.lookupType('onnx.ModelProto');
export const GraphProtoType = onnxRoot.lookupType('onnx.GraphProto');
export const TensorProtoType = onnxRoot.lookupType('onnx.TensorProto');
export const ValueInfoProtoType = onnxRoot.lookupType('onnx.ValueInfoProto');

/* Plain-object shapes of the messages (what decodeModel returns and encodeModel accepts).
 * int64 fields are JS numbers (exact up to 2^53, ample for dims and opset versions). */

export interface StringStringEntryProto {
  key: string;
  value: string;
}
export interface OperatorSetIdProto {
  domain?: string;
  version: number;
}
export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
  denotation?: string;
}
export interface TensorShapeProto {
  dim?: DimensionProto[];
}
export interface TypeProto {
  tensor_type?: { elem_type: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  doc_string?: string;
}
export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  string_data?: Uint8Array[];
  doc_string?: string;
  external_data?: StringStringEntryProto[];
  data_location?: number;
  segment?: { begin?: number; end?: number };
}
export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: number[];
}
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparse_tensor?: SparseTensorProto;
  sparse_tensors?: SparseTensorProto[];
  tp?: TypeProto;
  type_protos?: TypeProto[];
  doc_string?: string;
  ref_attr_name?: string;
}
export interface NodeProto {
  name?: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: AttributeProto[];
  doc_string?: string;
}
export interface GraphProto {
  name?: string;
  node: NodeProto[];
  initializer?: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  sparse_initializer?: SparseTensorProto[];
  quantization_annotation?: { tensor_name?: string; quant_parameter_tensor_names?: StringStringEntryProto[] }[];
  doc_string?: string;
}
export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initialization_binding?: StringStringEntryProto[];
  update_binding?: StringStringEntryProto[];
}
export interface FunctionProto {
  name?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  node?: NodeProto[];
  doc_string?: string;
  opset_import?: OperatorSetIdProto[];
}
export interface ModelProto {
  ir_version: number;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: StringStringEntryProto[];
  training_info?: TrainingInfoProto[];
  functions?: FunctionProto[];
}

const TO_PLAIN: protobuf.IConversionOptions = { longs: Number, enums: Number, arrays: true, defaults: false };

/**
 * Decode a serialized ModelProto into plain objects. `raw_data` fields are views into `bytes`
 * (no copy), so keep `bytes` alive and unmodified while the result is in use.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const msg = ModelProtoType.decode(bytes);
  return ModelProtoType.toObject(msg, TO_PLAIN) as ModelProto;
}

/** Serialize a ModelProto (as returned by decodeModel or built by GraphBuilder). */
export function encodeModel(model: ModelProto): Uint8Array {
  return ModelProtoType.encode(model as unknown as protobuf.Message).finish();
}
