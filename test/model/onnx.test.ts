import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import { fromHalf, halfToFloat32Array, float32ToHalfArray, toHalf } from '../../src/model/onnx/fp16.ts';
import { AttributeType, DataType, decodeModel, encodeModel } from '../../src/model/onnx/schema.ts';
import { readGraphSignature } from '../../src/model/onnx/signature.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-builder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
  const path = join(dir, `m${Math.random().toString(36).slice(2)}.onnx`);
  await writeFile(path, bytes);
  const s = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('GraphBuilder', () => {
  it('builds a model onnxruntime runs: MatMul against a raw_data initializer', async () => {
    const g = new GraphBuilder('mm');
    g.input('x', 'float32', ['batch', 3]);
    g.initializer('W', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    g.node('MatMul', ['x', 'W'], ['y']);
    g.output('y', 'float32', ['batch', 2]);
    const res = await run(g.toModelBytes(), { x: new ort.Tensor('float32', new Float32Array([1, 0, 1, 0, 1, 1]), [2, 3]) });
    expect(Array.from(res.y.data as Float32Array)).toEqual([6, 8, 8, 10]);
    expect(res.y.dims).toEqual([2, 2]);
  });

  it('stores int64, int8 and float16 initializers byte-exactly (DequantizeLinear, Cast)', async () => {
    const g = new GraphBuilder('dq');
    g.input('dummy', 'float32', [1]);
    g.initializer('q', new Int8Array([-127, 0, 5, 127]), [4]);
    g.initializer('scale', new Float32Array([0.5]), []);
    g.initializer('zero', new Int8Array([0]), []);
    g.initializer('h', float32ToHalfArray(new Float32Array([1.5, -2, 65504])), [3]);
    g.initializer('shape', new BigInt64Array([2n, 2n]), [2]);
    g.node('DequantizeLinear', ['q', 'scale', 'zero'], ['deq']);
    g.node('Reshape', ['deq', 'shape'], ['deq2']);
    g.node('Cast', ['h'], ['h32'], { to: DataType.FLOAT });
    g.output('deq2', 'float32', [2, 2]);
    g.output('h32', 'float32', [3]);
    const res = await run(g.toModelBytes(), { dummy: new ort.Tensor('float32', new Float32Array([0]), [1]) });
    expect(Array.from(res.deq2.data as Float32Array)).toEqual([-63.5, 0, 2.5, 63.5]);
    expect(res.deq2.dims).toEqual([2, 2]);
    expect(Array.from(res.h32.data as Float32Array)).toEqual([1.5, -2, 65504]);
  });

  it('types attributes: integer → INT, fraction → FLOAT, integer list → INTS, wrappers when ambiguous', () => {
    const g = new GraphBuilder('attrs');
    g.node('Foo', ['a'], ['b'], {
      axis: 1,
      alpha: 0.5,
      beta: { f: 1 },
      perm: [0, 2, 1],
      scales: [1, 2.5],
      empty: { ints: [] },
      wf: { floats: [1, 2] },
      mode: 'linear',
      value: { tensor: { data: new Float32Array([3]), dims: [] } },
    }, 'com.example');
    const model = decodeModel(g.toModelBytes());
    const attrs = Object.fromEntries(model.graph.node[0].attribute!.map((a) => [a.name, a]));
    expect(attrs.axis).toMatchObject({ type: AttributeType.INT, i: 1 });
    expect(attrs.alpha).toMatchObject({ type: AttributeType.FLOAT, f: 0.5 });
    expect(attrs.beta).toMatchObject({ type: AttributeType.FLOAT, f: 1 });
    expect(attrs.perm).toMatchObject({ type: AttributeType.INTS, ints: [0, 2, 1] });
    expect(attrs.scales).toMatchObject({ type: AttributeType.FLOATS, floats: [1, 2.5] });
    expect(attrs.empty).toMatchObject({ type: AttributeType.INTS, ints: [] });
    expect(attrs.wf).toMatchObject({ type: AttributeType.FLOATS, floats: [1, 2] });
    expect(new TextDecoder().decode(attrs.mode.s)).toBe('linear');
    expect(attrs.value.type).toBe(AttributeType.TENSOR);
    expect(attrs.value.t!.data_type).toBe(DataType.FLOAT);
    expect(model.graph.node[0].domain).toBe('com.example');
    expect(model.opset_import).toEqual([{ version: 17 }, { domain: 'com.example', version: 1 }]);
  });

  it('rejects an initializer whose length does not match its dims', () => {
    expect(() => new GraphBuilder('bad').initializer('W', new Float32Array(5), [2, 3])).toThrow(/W.*5 values.*\[2, 3\]/);
  });

  it('writes opset, IR version, producer and metadata', () => {
    const g = new GraphBuilder('meta');
    g.input('x', 'float32', [1]);
    g.node('Identity', ['x'], ['y']);
    g.output('y', 'float32', [1]);
    const m = decodeModel(g.toModelBytes({ opset: 13, producer: 'unit-test', metadata: { source: 'tiny' } }));
    expect(m.ir_version).toBe(7);
    expect(m.opset_import).toEqual([{ version: 13 }]);
    expect(m.producer_name).toBe('unit-test');
    expect(m.metadata_props).toEqual([{ key: 'source', value: 'tiny' }]);
    expect(decodeModel(g.toModelBytes()).ir_version).toBe(8);
  });
});

describe('decodeModel / encodeModel', () => {
  it('round-trips a model: shapes with dim_value and dim_param, raw_data bytes, attributes', () => {
    const g = new GraphBuilder('rt');
    g.input('x', 'int64', ['batch', 77]);
    g.initializer('table', new Float32Array([0.25, -1, 2, 8]), [2, 2]);
    g.node('Gather', ['table', 'x'], ['y'], { axis: 0 });
    g.output('y', 'float32', ['batch', 77, 2]);
    const bytes = g.toModelBytes();
    const m = decodeModel(bytes);
    expect(m.graph.input[0].type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 77 }]);
    expect(m.graph.input[0].type!.tensor_type!.elem_type).toBe(DataType.INT64);
    const t = m.graph.initializer![0];
    expect(t.dims).toEqual([2, 2]);
    const raw = t.raw_data!;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual([0.25, -1, 2, 8]);
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('lets a decoded model be rewritten and still run (initializer replaced)', async () => {
    const g = new GraphBuilder('rw');
    g.input('x', 'float32', [2]);
    g.initializer('b', new Float32Array([1, 1]), [2]);
    g.node('Add', ['x', 'b'], ['y']);
    g.output('y', 'float32', [2]);
    const m = decodeModel(g.toModelBytes());
    m.graph.initializer![0].raw_data = new Uint8Array(new Float32Array([10, 20]).buffer);
    const res = await run(encodeModel(m), { x: new ort.Tensor('float32', new Float32Array([1, 2]), [2]) });
    expect(Array.from(res.y.data as Float32Array)).toEqual([11, 22]);
  });
});

describe('readGraphSignature', () => {
  it('reads inputs and outputs from the file without decoding initializers', async () => {
    const g = new GraphBuilder('sig');
    g.input('input_ids', 'int32', ['batch', 77]);
    g.input('attention_mask', 'int32', ['batch', 77]);
    g.initializer('table', new Float32Array(300_000), [100_000, 3]);
    g.node('Gather', ['table', 'input_ids'], ['emb']);
    g.output('emb', 'float32', ['batch', 77, 3]);
    const path = join(dir, 'sig.onnx');
    await writeFile(path, g.toModelBytes({ opset: 17 }));
    const sig = await readGraphSignature(path);
    expect(sig.irVersion).toBe(8);
    expect(sig.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(sig.inputs).toEqual([
      { name: 'input_ids', type: 'int32', shape: ['batch', 77] },
      { name: 'attention_mask', type: 'int32', shape: ['batch', 77] },
    ]);
    expect(sig.outputs).toEqual([{ name: 'emb', type: 'float32', shape: ['batch', 77, 3] }]);
  });

  it('fails on a file that is not an ONNX model', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model at all');
    await expect(readGraphSignature(path)).rejects.toThrow();
  });
});

describe('float16 conversion', () => {
  it('matches IEEE half for exact values, rounding, subnormals and overflow', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(65520)).toBe(0x7c00); // rounds up to +Infinity
    expect(toHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    expect(fromHalf(0x3555)).toBeCloseTo(0.33325, 5);
    const xs = new Float32Array([0, 0.1, -3.25, 1000, 1e-6]);
    const back = halfToFloat32Array(float32ToHalfArray(xs));
    xs.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25));
  });
});
