/**
 * The subset of ONNX's protobuf schema (onnx/onnx.proto, IR version 8+) that the harness needs to
 * build small graphs and to read or rewrite real exports. Defined with protobufjs reflection so no
 * generated code is checked in. Field names keep ONNX's snake_case; field numbers follow onnx.proto.
 * Messages and fields not listed here (training info, functions, sparse tensors, sequence/map types)
 * are skipped on decode and so would be dropped by a decode → encode round trip.
 */
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

type FieldDef = { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> };
const f = (type: string, id: number): FieldDef => ({ type, id });
const rep = (type: string, id: number): FieldDef => ({ type, id, rule: 'repeated' });

const ONNX_JSON = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: { tensor_type: f('Tensor', 1), denotation: f('string', 6) },
          nested: {
            Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
          },
        },
        ValueInfoProto: {
          fields: { name: f('string', 1), type: f('TypeProto', 2), doc_string: f('string', 3) },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1),
            data_type: f('int32', 2),
            float_data: rep('float', 4),
            int32_data: rep('int32', 5),
            string_data: rep('bytes', 6),
            int64_data: rep('int64', 7),
            name: f('string', 8),
            raw_data: f('bytes', 9),
            double_data: rep('double', 10),
            uint64_data: rep('uint64', 11),
            doc_string: f('string', 12),
            external_data: rep('StringStringEntryProto', 13),
            data_location: f('int32', 14),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            g: f('GraphProto', 6),
            floats: rep('float', 7),
            ints: rep('int64', 8),
            strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10),
            graphs: rep('GraphProto', 11),
            doc_string: f('string', 13),
            type: f('int32', 20),
            ref_attr_name: f('string', 21),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: f('string', 3),
            op_type: f('string', 4),
            attribute: rep('AttributeProto', 5),
            doc_string: f('string', 6),
            domain: f('string', 7),
          },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: f('string', 2),
            initializer: rep('TensorProto', 5),
            doc_string: f('string', 10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            value_info: rep('ValueInfoProto', 13),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1),
            producer_name: f('string', 2),
            producer_version: f('string', 3),
            domain: f('string', 4),
            model_version: f('int64', 5),
            doc_string: f('string', 6),
            graph: f('GraphProto', 7),
            opset_import: rep('OperatorSetIdProto', 8),
            metadata_props: rep('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

export const onnxRoot = protobuf.Root.fromJSON(ONNX_JSON as protobuf.INamespace);
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
  doc_string?: string;
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
