import { appendFile, mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { rowCosines } from '../../src/evaluation/paired.ts';
import { convertExport } from '../../src/model/convert.ts';
import { loadModel } from '../../src/model/load.ts';
import { readManifest } from '../../src/model/manifest.ts';
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import { readModelFile, writeModelFile } from '../../src/model/onnx/external-data.ts';
import { quantizeDynamic, quantizeWeight } from '../../src/model/onnx/quantize-dynamic.ts';
import { DataType, decodeModel, encodeModel } from '../../src/model/onnx/schema.ts';
import { readOpTypes } from '../../src/model/onnx/signature.ts';
import { listVariants } from '../../src/model/variants.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256File } from '../../src/util/hash.ts';
import { Rng } from '../../src/util/rng.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';

let root: string;
let source: string;
let reference: { images: Float32Array; texts: Float32Array };
const TEXTS = ['a photo of a dog.', 'a photo of a cat.', 'a sketch of a house.', 'an airplane in the sky.'];
const N_IMAGES = 6;

/** Seeded random images [n, 3, 224, 224] in the range preprocessing produces. */
function images(n: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 3 * 224 * 224 }, () => rng.normal());
}

async function embeddings(dir: string, variant?: 'fp32' | 'fp16' | 'quantized') {
  const m: ClipModel = await loadModel(dir, { threads: 1, variant });
  try {
    return { images: await m.encodeImages(images(N_IMAGES), N_IMAGES), texts: await m.encodeTexts(TEXTS), model: m };
  } finally {
    await m.release();
  }
}

/** Smallest per-row cosine between two [n, d] embedding matrices. */
const minCosine = (a: Float32Array, b: Float32Array, d: number) => rowCosines(a, b, d).min;

const opTypes = async (path: string) => decodeModel(await readFile(path)).graph.node.map((n) => n.op_type);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convert-'));
  source = join(root, 'source');
  await writeTinyExport(source, { layout: 'transformers.js', dim: 16, seed: 3 });
  const r = await embeddings(source);
  reference = { images: r.images, texts: r.texts };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('quantizeWeight', () => {
  it('scales symmetric int8 by max|w| / 127 and rounds half to even', () => {
    // max |w| = 2.54 → scale 0.02; 0.01 / 0.02 = 0.5 → 0, 0.03 / 0.02 = 1.5 → 2.
    const w = new Float32Array([2.54, -1.27, 0.01, 0.03]);
    const { q, scale } = quantizeWeight(w, 2, 2, false);
    expect(scale[0]).toBeCloseTo(0.02, 7);
    expect(Array.from(q)).toEqual([127, -64, 0, 2]);
  });

  it('gives each output column its own scale with perChannel', () => {
    const w = new Float32Array([1, 10, -0.5, -5]); // [K=2, N=2]: column 0 max 1, column 1 max 10
    const { q, scale } = quantizeWeight(w, 2, 2, true);
    expect(Array.from(scale)).toEqual([Math.fround(1 / 127), Math.fround(10 / 127)]);
    expect(Array.from(q)).toEqual([127, 127, -64, -64]);
  });

  it('gives an all-zero weight scale 1, as onnxruntime does for an empty range', () => {
    expect(Array.from(quantizeWeight(new Float32Array(4), 2, 2, false).scale)).toEqual([1]);
  });
});

describe('models convert: fp16', () => {
  let out: string;
  beforeAll(async () => {
    out = join(root, 'fp16');
    await convertExport(source, out, { to: 'fp16' });
  });

  it('writes the transformers.js fp16 files, side files and a conversion record with the source hashes', async () => {
    expect((await stat(join(out, 'onnx/vision_model_fp16.onnx'))).isFile()).toBe(true);
    expect((await stat(join(out, 'onnx/text_model_fp16.onnx'))).isFile()).toBe(true);
    expect((await stat(join(out, 'preprocessor_config.json'))).isFile()).toBe(true);
    const m = await readManifest(join(out, 'model.json'));
    expect(m.conversion?.method).toBe('fp16');
    const vision = m.conversion?.source.files.find((f) => f.role === 'vision');
    expect(vision).toEqual({ role: 'vision', file: 'onnx/vision_model.onnx', sha256: await sha256File(join(source, 'onnx/vision_model.onnx')), bytes: (await stat(join(source, 'onnx/vision_model.onnx'))).size });
  });

  it('stores the weights as float16 and keeps float32 inputs and outputs', async () => {
    const model = decodeModel(await readFile(join(out, 'onnx/vision_model_fp16.onnx')));
    const w = model.graph.initializer!.find((t) => t.name === 'Wv_fp16');
    expect(w?.data_type).toBe(DataType.FLOAT16);
    expect(model.graph.initializer!.some((t) => t.name === 'Wv')).toBe(false);
    expect(model.graph.input[0].type?.tensor_type?.elem_type).toBe(DataType.FLOAT);
    expect(model.graph.output[0].type?.tensor_type?.elem_type).toBe(DataType.FLOAT);
  });

  // Measured on this seed: min cosine 0.99999993 (images), 0.9999999 (texts).
  it('loads with --variant fp16 and its embeddings agree with fp32 (cosine > 0.9999)', async () => {
    const r = await embeddings(out, 'fp16');
    expect(r.model.signature.vision.input.type).toBe('float32');
    expect(minCosine(r.images, reference.images, 16)).toBeGreaterThan(0.9999);
    expect(minCosine(r.texts, reference.texts, 16)).toBeGreaterThan(0.9999);
    expect(Array.from(r.images)).not.toEqual(Array.from(reference.images)); // the weights really changed
  });

  it('is the variant a plain load picks when the export holds no fp32 files', async () => {
    const m = await loadModel(out, { threads: 1 });
    await m.release();
    expect(m.files[0].path).toBe(join(out, 'onnx/vision_model_fp16.onnx'));
  });
});

describe('models convert: int8-dynamic', () => {
  let out: string;
  beforeAll(async () => {
    out = join(root, 'int8');
    await convertExport(source, out, { to: 'int8-dynamic' });
  });

  it('rewrites MatMul into DynamicQuantizeLinear → MatMulInteger → Cast → Mul', async () => {
    const ops = await opTypes(join(out, 'onnx/vision_model_quantized.onnx'));
    expect(ops).toContain('DynamicQuantizeLinear');
    expect(ops).toContain('MatMulInteger');
    expect(ops).not.toContain('MatMul');
    const m = decodeModel(await readFile(join(out, 'onnx/vision_model_quantized.onnx')));
    const wq = m.graph.initializer!.find((t) => t.name === 'Wv_quantized');
    expect(wq?.data_type).toBe(DataType.INT8);
    expect(m.graph.initializer!.find((t) => t.name === 'Wv_scale')?.dims ?? []).toEqual([]);
  });

  it('loads with --variant quantized and its embeddings agree with fp32 (cosine > 0.999)', async () => {
    const r = await embeddings(out, 'quantized');
    // Measured on this seed: min cosine 0.99990 (images), 0.99997 (texts); the bound leaves room for
    // other CPUs' integer kernels (u8s8 without VNNI may saturate).
    expect(minCosine(r.images, reference.images, 16)).toBeGreaterThan(0.999);
    expect(minCosine(r.texts, reference.texts, 16)).toBeGreaterThan(0.999);
  });

  it('encodes each image on its own, so its embedding does not depend on the other images in its batch', async () => {
    // DynamicQuantizeLinear takes one activation scale per run: batched, image 0's embedding would change
    // with its batch-mates (and so with the batch size, the cached rows and shard boundaries).
    expect(await readOpTypes(join(out, 'onnx/vision_model_quantized.onnx'))).toContain('DynamicQuantizeLinear');
    expect(await readOpTypes(join(source, 'onnx/vision_model.onnx'))).not.toContain('DynamicQuantizeLinear');
    const m = await loadModel(out, { threads: 1, variant: 'quantized' });
    try {
      expect(m.imageEncodeMode).toBe('per-row-dq');
      const all = await m.encodeImages(images(N_IMAGES), N_IMAGES);
      const alone = await m.encodeImages(images(N_IMAGES).subarray(0, 3 * 224 * 224), 1);
      expect(alone).toEqual(all.subarray(0, alone.length));
    } finally {
      await m.release();
    }
  });

  it('records the method and per-tower counts in model.json', async () => {
    const m = await readManifest(join(out, 'model.json'));
    expect(m.conversion).toMatchObject({ method: 'int8-dynamic', perChannel: false, ops: ['MatMul', 'Gemm'], towers: { vision: { quantizedMatMul: 1 }, text: { quantizedMatMul: 1 } } });
    expect(m.name).toBe('source-int8');
  });

  it('stores one scale per output column with perChannel', async () => {
    const pc = join(root, 'int8-pc');
    await convertExport(source, pc, { to: 'int8-dynamic', perChannel: true });
    const m = decodeModel(await readFile(join(pc, 'onnx/vision_model_quantized.onnx')));
    expect(m.graph.initializer!.find((t) => t.name === 'Wv_scale')?.dims).toEqual([16]);
    expect(m.graph.initializer!.find((t) => t.name === 'Wv_zero_point')?.dims).toEqual([16]);
    const r = await embeddings(pc, 'quantized');
    expect(minCosine(r.images, reference.images, 16)).toBeGreaterThan(0.99);
  });

  it('lists the variants an export holds, with sizes and hashes', async () => {
    const both = join(root, 'tiny-variants');
    await writeTinyExport(both, { layout: 'transformers.js', quantizedVariant: true, fp16Variant: true });
    const v = await listVariants(both);
    expect(v.map((x) => x.variant)).toEqual(['fp32', 'quantized', 'fp16']);
    const f = v[1].files.find((x) => x.role === 'vision')!;
    expect(f).toEqual({ role: 'vision', file: 'onnx/vision_model_quantized.onnx', bytes: (await stat(join(both, f.file))).size, sha256: await sha256File(join(both, f.file)) });
  });
});

describe('models convert: other layouts and sources', () => {
  it.each(['manifest', 'two-file'] as const)('converts a %s export, keeping its tensor names and tokenizer', async (layout) => {
    const src = join(root, `src-${layout}`);
    await writeTinyExport(src, { layout, dim: 16, seed: 3 });
    const ref = await embeddings(src);
    const out = join(root, `${layout}-fp16`);
    await convertExport(src, out, { to: 'fp16' });
    const r = await embeddings(out, 'fp16');
    expect(r.model.layout).toBe('transformers.js');
    expect(r.model.signature.vision.output.name).toBe(ref.model.signature.vision.output.name);
    expect(r.model.tokenizer).toEqual(ref.model.tokenizer);
    expect(minCosine(r.images, ref.images, 16)).toBeGreaterThan(0.9999);
    expect(minCosine(r.texts, ref.texts, 16)).toBeGreaterThan(0.9999);
  });

  it('reports fields newer than its ONNX schema instead of dropping them silently', async () => {
    const src = join(root, 'src-newer');
    await writeTinyExport(src, { layout: 'transformers.js', dim: 16, seed: 3 });
    // A top-level field the IR-8 schema lacks (ModelProto field 99, varint 1), appended: a protobuf message extends by concatenation.
    await appendFile(join(src, 'onnx/vision_model.onnx'), Buffer.from([0x98, 0x06, 0x01]));
    const lines: string[] = [];
    const out = join(root, 'newer-fp16');
    await convertExport(src, out, { to: 'fp16', log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/warning: .*vision_model\.onnx: fields unknown to the ONNX 1\.12 schema \(IR 8\) .*: ModelProto field 99 ×1/);
    const m = await readManifest(join(out, 'model.json'));
    expect(m.conversion?.towers?.vision?.droppedUnknownFields).toBe(1);
    expect(m.conversion?.towers?.text?.droppedUnknownFields).toBeUndefined();
  });

  it('refuses a source that holds no fp32 variant', async () => {
    const fp16Only = join(root, 'fp16-only');
    await convertExport(source, fp16Only, { to: 'fp16' });
    const err = await convertExport(fp16Only, join(root, 'fp16-again'), { to: 'int8-dynamic' }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/no fp32 files to convert .* only its fp16 variant/);
  });
});

describe('quantizeDynamic: Gemm', () => {
  it('folds alpha, transB and beta·C and matches the float Gemm to int8 precision', async () => {
    const rng = new Rng(7);
    const K = 12;
    const N = 5;
    const B = Float32Array.from({ length: N * K }, () => rng.normal()); // [N, K], used with transB
    const C = Float32Array.from({ length: N }, () => rng.normal());
    const g = new GraphBuilder('gemm');
    g.input('x', 'float32', [3, K]);
    g.initializer('B', B, [N, K]);
    g.initializer('C', C, [N]);
    g.node('Gemm', ['x', 'B', 'C'], ['y'], { transB: 1, alpha: 0.5, beta: 2.5 });
    g.output('y', 'float32', [3, N]);
    const floatBytes = g.toModelBytes();
    const model = decodeModel(floatBytes);
    const res = quantizeDynamic(model);
    expect(res.quantized).toHaveLength(1);
    const x = Float32Array.from({ length: 3 * K }, () => rng.normal());
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      const y = (await s.run({ x: new ort.Tensor('float32', x, [3, K]) })).y.data as Float32Array;
      await s.release();
      return y;
    };
    const want = await run(floatBytes);
    const got = await run(encodeModel(model));
    const scale = Math.max(...Array.from(want, Math.abs));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(0.05 * scale);
  });
});

describe('quantizeDynamic: Conv', () => {
  it.each([false, true])('rewrites Conv as ConvInteger with a float bias and matches the float Conv (perChannel %s)', async (perChannel) => {
    const rng = new Rng(11);
    const M = 4;
    const W = Float32Array.from({ length: M * 3 * 2 * 2 }, (_, i) => rng.normal() * (1 + (i % M))); // channels of different ranges
    const bias = Float32Array.from({ length: M }, () => rng.normal());
    const g = new GraphBuilder('conv');
    g.input('x', 'float32', [2, 3, 8, 8]);
    g.initializer('W', W, [M, 3, 2, 2]);
    g.initializer('bias', bias, [M]);
    g.node('Conv', ['x', 'W', 'bias'], ['y'], { strides: [2, 2] });
    g.output('y', 'float32', [2, M, 4, 4]);
    const floatBytes = g.toModelBytes();
    const model = decodeModel(floatBytes);
    expect(quantizeDynamic(decodeModel(floatBytes)).quantized).toEqual([]); // Conv only when asked
    expect(quantizeDynamic(model, { perChannel, conv: true }).quantized).toEqual([{ node: 'Conv_0', op: 'Conv' }]);
    expect(model.graph.node.map((n) => n.op_type)).toEqual(['DynamicQuantizeLinear', 'ConvInteger', 'Cast', 'Mul', 'Mul', 'Add']);
    expect(model.graph.initializer!.find((t) => t.name === 'W_scale')?.dims ?? []).toEqual(perChannel ? [M, 1, 1] : []);
    expect(model.graph.initializer!.some((t) => t.name === 'W' || t.name === 'bias')).toBe(false);
    const x = Float32Array.from({ length: 2 * 3 * 64 }, () => rng.normal());
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      const y = (await s.run({ x: new ort.Tensor('float32', x, [2, 3, 8, 8]) })).y.data as Float32Array;
      await s.release();
      return y;
    };
    const want = await run(floatBytes);
    const got = await run(encodeModel(model));
    expect(rowCosines(got, want, want.length).min).toBeGreaterThan(0.999);
  });
});

describe('external data', () => {
  let ext: string;
  beforeAll(async () => {
    ext = join(root, 'external');
    await writeTinyExport(ext, { layout: 'transformers.js', dim: 16, seed: 3 });
    for (const tower of ['vision', 'text']) {
      const path = join(ext, `onnx/${tower}_model.onnx`);
      await writeModelFile(path, await readModelFile(path), { externalData: `${tower}_model.onnx_data`, threshold: 64 });
    }
  });

  it('loads an export whose weights live in external-data files, and hashes those files with its tower', async () => {
    const model = decodeModel(await readFile(join(ext, 'onnx/vision_model.onnx')));
    expect(model.graph.initializer!.find((t) => t.name === 'Wv')?.data_location).toBe(1);
    const r = await embeddings(ext);
    expect(Array.from(r.images)).toEqual(Array.from(reference.images));
    expect(r.model.files.map((f) => [f.role, f.path])).toContainEqual(['vision', join(ext, 'onnx/vision_model.onnx_data')]);
  });

  it('converts it, writing the converted weights as external data too', async () => {
    const out = join(root, 'external-int8');
    await convertExport(ext, out, { to: 'int8-dynamic' });
    expect((await stat(join(out, 'onnx/text_model_quantized.onnx_data'))).size).toBeGreaterThanOrEqual(49408 * 16 * 4); // the token table
    const r = await embeddings(out, 'quantized');
    expect(minCosine(r.images, reference.images, 16)).toBeGreaterThan(0.99);
    expect(minCosine(r.texts, reference.texts, 16)).toBeGreaterThan(0.99);
  });

  it('names the missing data file when it is gone', async () => {
    const broken = join(root, 'external-broken');
    await writeTinyExport(broken, { layout: 'transformers.js', dim: 16, seed: 3 });
    const path = join(broken, 'onnx/vision_model.onnx');
    await writeModelFile(path, await readModelFile(path), { externalData: 'vision_model.onnx_data', threshold: 64 });
    await unlink(join(broken, 'onnx/vision_model.onnx_data'));
    const err = await loadModel(broken, { threads: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`its weights are in ${join(broken, 'onnx/vision_model.onnx_data')}, which is missing`);
    const err2 = await readModelFile(path).catch((e) => e);
    expect(err2).toBeInstanceOf(UserError);
    expect(err2.message).toContain('vision_model.onnx_data');
  });
});
