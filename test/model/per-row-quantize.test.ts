import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import { TINY_VIT, tinyVitQuantized } from '../helpers/tiny-vit.ts';
import { quantizePerRow } from '../../src/model/onnx/per-row-quantize.ts';
import { quantizeDynamic } from '../../src/model/onnx/quantize-dynamic.ts';
import { decodeModel, encodeModel, type ModelProto } from '../../src/model/onnx/schema.ts';
import { encodeReusingInitializers } from '../../src/model/onnx/splice.ts';
import { Rng } from '../../src/util/rng.ts';

const { SIZE, DIM } = TINY_VIT;
const PER_IMAGE = 3 * SIZE * SIZE;

/** The rewrite serialised as the loader does it: the original initializers' bytes copied, not re-encoded. */
function rewritten(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  const r = quantizePerRow(model, 'pixel_values');
  if (!('rewritten' in r)) throw new Error(r.unsupported);
  const spliced = encodeReusingInitializers(bytes, model, r.added);
  // The same model, initializers aside from their order (protobuf's repeated fields keep the order written).
  const sorted = (m: ModelProto) => ({ ...m, graph: { ...m.graph, initializer: [...(m.graph.initializer ?? [])].sort((a, b) => (a.name! < b.name! ? -1 : 1)) } });
  expect(sorted(decodeModel(spliced))).toEqual(sorted(decodeModel(encodeModel(model))));
  return spliced;
}

const session = (bytes: Uint8Array) =>
  ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });

async function encode(s: ort.InferenceSession, pixels: Float32Array, n: number): Promise<Float32Array> {
  const res = await s.run({ pixel_values: new ort.Tensor('float32', pixels, [n, 3, SIZE, SIZE]) });
  return res.image_embeds.data as Float32Array;
}

/** Each image alone: what one image per run computes. */
async function onePerRun(s: ort.InferenceSession, pixels: Float32Array, n: number): Promise<Float32Array> {
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) out.set(await encode(s, pixels.subarray(i * PER_IMAGE, (i + 1) * PER_IMAGE), 1), i * DIM);
  return out;
}

/** Seeded images whose ranges differ a lot between rows (as real batches do), so per-batch scales matter. */
function images(n: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * PER_IMAGE);
  for (let i = 0; i < n; i++) {
    const gain = 0.2 + 3 * rng.next();
    const shift = rng.normal();
    for (let j = 0; j < PER_IMAGE; j++) out[i * PER_IMAGE + j] = rng.normal() * gain + shift;
  }
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each([
  { perChannel: false, conv: false },
  { perChannel: true, conv: false },
  { perChannel: false, conv: true },
  { perChannel: true, conv: true },
])('per-row dynamic quantisation (perChannel $perChannel, ConvInteger $conv)', ({ perChannel, conv }) => {
  let quantized: Uint8Array;
  let original: ort.InferenceSession;
  let perRow: ort.InferenceSession;
  beforeAll(async () => {
    quantized = tinyVitQuantized({ perChannel, conv });
    original = await session(quantized);
    perRow = await session(rewritten(quantized));
  });

  it('the quantised graph batched makes an image depend on its batch-mates (what the rewrite removes)', async () => {
    const pixels = images(7);
    expect(maxAbsDiff(await encode(original, pixels, 7), await onePerRun(original, pixels, 7))).toBeGreaterThan(1e-4);
  });

  it.each([1, 7, 32])('batched per-row embeddings are bit-identical to one image per run at batch %i', async (n) => {
    const pixels = images(n, n);
    const reference = await onePerRun(original, pixels, n);
    expect(await encode(perRow, pixels, n)).toEqual(reference);
  });

  it('handles an all-zero image (scale 1, zero point 0, as onnxruntime)', async () => {
    const pixels = images(3, 5);
    pixels.fill(0, PER_IMAGE, 2 * PER_IMAGE);
    expect(await encode(perRow, pixels, 3)).toEqual(await onePerRun(original, pixels, 3));
  });
});

it('at opset 18 and later (ReduceMin/ReduceMax take their axes as an input) the rewrite is bit-identical too', async () => {
  const quantized = tinyVitQuantized({ opset: 18, seed: 4 });
  const original = await session(quantized);
  const perRow = await session(rewritten(quantized));
  const pixels = images(7, 3);
  expect(await encode(perRow, pixels, 7)).toEqual(await onePerRun(original, pixels, 7));
});

describe('quantizePerRow: what it will not rewrite', () => {
  it('rewrites every DynamicQuantizeLinear of a quantize_dynamic graph and leaves none behind', () => {
    const model = decodeModel(tinyVitQuantized());
    const before = model.graph.node.filter((n) => n.op_type === 'DynamicQuantizeLinear').length;
    expect(quantizePerRow(model, 'pixel_values')).toMatchObject({ rewritten: before });
    expect(model.graph.node.some((n) => n.op_type === 'DynamicQuantizeLinear')).toBe(false);
  });

  it('reports a scale read by anything but the rescaling Muls, so the caller keeps one image per run', () => {
    const model = decodeModel(tinyVitQuantized());
    const dql = model.graph.node.find((n) => n.op_type === 'DynamicQuantizeLinear')!;
    model.graph.node.push({ name: 'odd', op_type: 'Identity', domain: '', input: [dql.output[1]], output: ['odd_out'] });
    expect(quantizePerRow(model, 'pixel_values')).toMatchObject({ unsupported: expect.stringMatching(/scale feeds Identity/) });
  });

  it('reports a padded ConvInteger (a per-row zero point cannot be subtracted through padding)', () => {
    const g = new GraphBuilder('conv');
    g.input('pixel_values', 'float32', ['batch', 3, 8, 8]);
    g.initializer('w', Float32Array.from({ length: 4 * 3 * 9 }, (_, i) => Math.sin(i)), [4, 3, 3, 3]);
    g.node('Conv', ['pixel_values', 'w'], ['image_embeds'], { pads: [1, 1, 1, 1] });
    g.output('image_embeds', 'float32', ['batch', 4, 8, 8]);
    const model = g.toModel({ opset: 17 });
    quantizeDynamic(model, { conv: true });
    expect(quantizePerRow(model, 'pixel_values')).toMatchObject({ unsupported: expect.stringMatching(/ConvInteger .* pads its input/) });
  });

  it('an activation whose axis 0 is not the image batch fails at run time instead of quantising per token', async () => {
    const g = new GraphBuilder('flat');
    g.input('pixel_values', 'float32', ['batch', 3, 2, 2]);
    g.initializer('flat_shape', BigInt64Array.from([-1n, 2n]), [2]);
    g.initializer('w', Float32Array.from({ length: 2 * 3 }, (_, i) => i - 2.5), [2, 3]);
    g.node('Reshape', ['pixel_values', 'flat_shape'], ['rows']);
    g.node('MatMul', ['rows', 'w'], ['image_embeds']);
    g.output('image_embeds', 'float32', ['rows', 3]);
    const model = g.toModel({ opset: 17 });
    quantizeDynamic(model);
    expect(quantizePerRow(model, 'pixel_values')).toMatchObject({ rewritten: 1 });
    const s = await session(encodeModel(model));
    await expect(s.run({ pixel_values: new ort.Tensor('float32', images(2).subarray(0, 24), [2, 3, 2, 2]) })).rejects.toThrow();
  });
});
