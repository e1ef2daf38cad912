import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, makeTensor } from '../../src/model/onnx/builder.ts';
import { readModelFile, writeModelFile } from '../../src/model/onnx/external-data.ts';
import { AttributeType, DataType, decodeModel, encodeModel, onnxRoot } from '../../src/model/onnx/schema.ts';
import type { ModelProto, TypeProto } from '../../src/model/onnx/schema.ts';
import { unknownFields } from '../../src/model/onnx/unknown-fields.ts';
import { convertWeightsToFp16 } from '../../src/model/onnx/weights-fp16.ts';
import protobuf from 'protobufjs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-schema-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FLOAT_TENSOR: TypeProto = { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: 'n' }, { dim_value: 4 }] } } };
const SEQUENCE: TypeProto = { sequence_type: { elem_type: FLOAT_TENSOR }, denotation: 'seq' };
const MAP: TypeProto = { map_type: { key_type: DataType.INT64, value_type: { tensor_type: { elem_type: DataType.FLOAT } } } };
const OPTIONAL: TypeProto = { optional_type: { elem_type: SEQUENCE } };

/** A model that uses every part of onnx.proto the old hand-typed subset dropped, plus a 32×4 weight fp16 rewrites. */
function richModel(): ModelProto {
  const g = new GraphBuilder('rich');
  g.input('x', 'float32', ['n', 4]);
  g.initializer('W', Float32Array.from({ length: 16 }, (_, i) => i / 8), [4, 4]);
  g.node('MatMul', ['x', 'W'], ['y']);
  g.node('LocalScale', ['y'], ['z'], { alpha: 0.5 }, 'local.fn');
  g.output('z', 'float32', ['n', 4]);
  const model = g.toModel({ opset: 17 });
  const sparseValues = makeTensor('S_values', new Float32Array([1.5, -2]), [2]);
  const sparseIndices = makeTensor('S_indices', new BigInt64Array([1n, 6n]), [2]);
  model.graph.sparse_initializer = [{ values: sparseValues, indices: sparseIndices, dims: [2, 4] }];
  model.graph.value_info = [
    { name: 'seq', type: SEQUENCE, doc_string: 'a sequence of tensors' },
    { name: 'map', type: MAP },
    { name: 'opt', type: OPTIONAL },
    { name: 'opaque', type: { opaque_type: { domain: 'com.example', name: 'Blob' } } },
    { name: 'sparse', type: { sparse_tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 2 }, { dim_value: 4 }] } } } },
  ];
  model.graph.quantization_annotation = [{ tensor_name: 'y', quant_parameter_tensor_names: [{ key: 'SCALE_TENSOR', value: 'y_scale' }] }];
  model.graph.node[1].attribute!.push(
    { name: 'proto', type: AttributeType.TYPE_PROTO, tp: MAP },
    { name: 'protos', type: AttributeType.TYPE_PROTOS, type_protos: [SEQUENCE, OPTIONAL] },
    { name: 'st', type: AttributeType.SPARSE_TENSOR, sparse_tensor: { values: sparseValues, indices: sparseIndices, dims: [8] } },
  );
  model.functions = [
    {
      name: 'LocalScale',
      domain: 'local.fn',
      input: ['a'],
      output: ['b'],
      attribute: ['alpha'],
      node: [
        { op_type: 'Constant', input: [], output: ['k'], attribute: [{ name: 'value_float', type: AttributeType.FLOAT, ref_attr_name: 'alpha' }] },
        { op_type: 'Mul', input: ['a', 'k'], output: ['b'] },
      ],
      doc_string: 'b = a * alpha',
      opset_import: [{ domain: '', version: 17 }],
    },
  ];
  const init = new GraphBuilder('init');
  init.node('RandomNormal', [], ['W_init'], { shape: [4, 4] });
  init.output('W_init', 'float32', [4, 4]);
  model.training_info = [{ initialization: init.toGraphProto(), initialization_binding: [{ key: 'W', value: 'W_init' }], update_binding: [{ key: 'W', value: 'W_next' }] }];
  model.metadata_props = [
    { key: 'author', value: 'café 日本' },
    { key: 'licence', value: 'MIT' },
  ];
  model.doc_string = 'a model using functions, sparse initializers, sequence/map types and training info';
  model.model_version = 3;
  return model;
}

/** Plain JSON of a decoded model: byte fields (Buffer or Uint8Array) as number arrays, so values compare, not classes. */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v?.type === 'Buffer' ? v.data : v)));
}

/** Everything but the graph's dense weights and nodes, which the fp16 rewrite changes by design. */
function keptByFp16(m: ModelProto) {
  const { graph, producer_name: _p, producer_version: _v, ...rest } = m;
  const { node: _n, initializer: _i, value_info, ...g } = graph;
  return plain({ ...rest, graph: { ...g, value_info: value_info?.filter((v) => v.name !== 'W') } });
}

describe('ONNX schema (official onnx-ml.proto)', () => {
  it('decode(encode(model)) keeps functions, sparse initializers, sequence/map/optional/opaque types, annotations, training info and metadata', () => {
    const model = richModel();
    const back = decodeModel(encodeModel(model));
    expect(back.functions?.[0]).toMatchObject(model.functions![0]);
    expect(back.graph.sparse_initializer?.[0].dims).toEqual([2, 4]);
    expect(Array.from(back.graph.sparse_initializer![0].values!.raw_data!)).toEqual(Array.from(model.graph.sparse_initializer![0].values!.raw_data!));
    expect(back.graph.value_info).toMatchObject(model.graph.value_info!);
    expect(back.graph.quantization_annotation).toMatchObject(model.graph.quantization_annotation!);
    expect(back.graph.node[1].attribute?.map((a) => a.name)).toEqual(['alpha', 'proto', 'protos', 'st']);
    expect(back.graph.node[1].attribute?.[1].tp).toMatchObject(MAP);
    expect(back.graph.node[1].attribute?.[2].type_protos).toMatchObject([SEQUENCE, OPTIONAL]);
    expect(back.graph.node[1].attribute?.[3].sparse_tensor?.dims).toEqual([8]);
    expect(back.training_info?.[0].initialization?.node[0].op_type).toBe('RandomNormal');
    expect(back.training_info?.[0].update_binding).toEqual([{ key: 'W', value: 'W_next' }]);
    expect(back.metadata_props).toMatchObject(model.metadata_props!);
    expect(back.model_version).toBe(3);
  });

  it('re-encoding a decoded model reproduces its bytes', () => {
    const bytes = encodeModel(richModel());
    expect(Buffer.from(encodeModel(decodeModel(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it("models convert's read → fp16 → write path keeps every field it does not rewrite", async () => {
    const src = join(dir, 'rich.onnx');
    await writeFile(src, encodeModel(richModel()));
    const model = await readModelFile(src);
    const before = keptByFp16(model);
    const r = convertWeightsToFp16(model, { minElements: 4 });
    expect(r.converted).toBe(1);
    const dest = join(dir, 'rich_fp16.onnx');
    await writeModelFile(dest, model);
    const after = decodeModel(await readFile(dest));
    expect(after.graph.initializer?.find((t) => t.name?.startsWith('W'))?.data_type).toBe(DataType.FLOAT16);
    expect(keptByFp16(after)).toEqual(before);
    expect(after.functions?.[0].name).toBe('LocalScale');
    expect(after.graph.sparse_initializer).toHaveLength(1);
    expect(after.training_info).toHaveLength(1);
  });

  it('the DataType and AttributeType constants match the enums of onnx-ml.proto', () => {
    const dataTypes = onnxRoot.lookupEnum('onnx.TensorProto.DataType').values;
    for (const [name, value] of Object.entries(DataType)) expect(dataTypes[name], name).toBe(value);
    const attrTypes = onnxRoot.lookupEnum('onnx.AttributeProto.AttributeType').values;
    for (const [name, value] of Object.entries(AttributeType)) expect(attrTypes[name], name).toBe(value);
  });
});

describe('fields newer than the schema', () => {
  /** A model whose node carries IR 10's NodeProto.metadata_props (field 9) and whose top level has a field 99. */
  function newerModel(): Uint8Array {
    const entry = onnxRoot.lookupType('onnx.StringStringEntryProto').encode({ key: 'pkg.torch.onnx.stack_trace', value: 'x.py:1' }).finish();
    const node = protobuf.Writer.create().uint32((4 << 3) | 2).string('Relu').uint32((9 << 3) | 2).bytes(entry).finish();
    const graph = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(node).uint32((2 << 3) | 2).string('g').finish();
    return protobuf.Writer.create().uint32((1 << 3) | 0).int64(10).uint32((7 << 3) | 2).bytes(graph).uint32((99 << 3) | 0).uint32(1).finish();
  }

  it('finds them at any depth, by message and field number', () => {
    expect(unknownFields(encodeModel(richModel())).size).toBe(0);
    expect([...unknownFields(newerModel())]).toEqual([
      ['NodeProto field 9', 1],
      ['ModelProto field 99', 1],
    ]);
  });

  it('are what a decode → encode round trip loses', () => {
    const back = encodeModel(decodeModel(newerModel()));
    expect(unknownFields(back).size).toBe(0);
    expect(decodeModel(back).graph.node[0].op_type).toBe('Relu');
  });
});
