import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadOptions } from '../../src/model/load.ts';
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import { quantizeDynamic } from '../../src/model/onnx/quantize-dynamic.ts';
import { encodeModel } from '../../src/model/onnx/schema.ts';
import { modelRecord } from '../../src/pipeline/record.ts';
import { Rng } from '../../src/util/rng.ts';
import { TINY_VIT, tinyVitQuantized } from '../helpers/tiny-vit.ts';

const { SIZE } = TINY_VIT;
let root: string;

/** An image-only export (manifest layout) holding `vision` as its image tower. */
async function imageOnlyExport(name: string, vision: Uint8Array): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'vision.onnx'), vision);
  const manifest = { kind: 'image-only', vision: { file: 'vision.onnx' }, preprocess: { size: SIZE, crop: { height: SIZE, width: SIZE } } };
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

function images(n: number): Float32Array {
  const rng = new Rng(11);
  const per = 3 * SIZE * SIZE;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const gain = 0.1 + 4 * rng.next();
    for (let j = 0; j < per; j++) out[i * per + j] = rng.normal() * gain;
  }
  return out;
}

async function encodeWith(dir: string, opts: LoadOptions, n: number) {
  const m = await loadModel(dir, { threads: 1, ...opts });
  try {
    return { mode: m.imageEncodeMode, reason: m.imageEncodeReason, record: modelRecord(dir, m), embeddings: await m.encodeImages(images(n), n) };
  } finally {
    await m.release();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'encode-mode-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('image encode mode of dynamically quantised exports', () => {
  it('an int8 ViT-shaped export is rewritten per row and batched: embeddings bit-identical to one image per run', async () => {
    const dir = await imageOnlyExport('vit-int8', tinyVitQuantized());
    const perRow = await encodeWith(dir, {}, 40); // a batch of 32 and one of 8
    const single = await encodeWith(dir, { int8Encode: 'one-per-run' }, 40);
    expect(perRow.mode).toBe('per-row-dq');
    expect(single.mode).toBe('one-per-run');
    expect(perRow.embeddings).toEqual(single.embeddings);
  });

  it('the results record says which mode ran, and why an int8 graph was not batched', async () => {
    const dir = await imageOnlyExport('vit-int8-record', tinyVitQuantized({ seed: 2 }));
    expect((await encodeWith(dir, {}, 1)).record).toMatchObject({ imageEncodeMode: 'per-row-dq' });
    expect((await encodeWith(dir, { int8Encode: 'one-per-run' }, 1)).record).toMatchObject({
      imageEncodeMode: 'one-per-run',
      imageEncodeReason: expect.stringMatching(/--int8-encode one-per-run/),
    });
  });

  it('falls back to one image per run when the load-time probe sees a batched row differ from the image alone', async () => {
    // The graph mixes rows across the batch (a batch mean) outside the quantisation: the rewrite is
    // accepted, and only the probe can tell that batching still changes embeddings.
    const dir = await imageOnlyExport('vit-int8-mixed', tinyVitQuantized({ mixBatch: true }));
    const r = await encodeWith(dir, {}, 2);
    expect(r.mode).toBe('one-per-run');
    expect(r.reason).toMatch(/on probe images the rewritten graph's batch differed from one image per run/);
  });

  it('a float export stays batched', async () => {
    const g = new GraphBuilder('float');
    g.input('pixel_values', 'float32', ['batch', 3, SIZE, SIZE]);
    g.node('GlobalAveragePool', ['pixel_values'], ['gap']);
    g.node('Flatten', ['gap'], ['image_embeds'], { axis: 1 });
    g.output('image_embeds', 'float32', ['batch', 3]);
    const r = await encodeWith(await imageOnlyExport('float', g.toModelBytes()), {}, 2);
    expect(r.mode).toBe('batched');
    expect(r.record).toMatchObject({ imageEncodeMode: 'batched' });
    expect(r.record).not.toHaveProperty('imageEncodeReason');
  });

  it('an int8 graph the rewrite does not cover (a padded ConvInteger) falls back to one image per run, saying why', async () => {
    const g = new GraphBuilder('conv');
    g.input('pixel_values', 'float32', ['batch', 3, SIZE, SIZE]);
    g.initializer('w', Float32Array.from({ length: 4 * 3 * SIZE * SIZE }, (_, i) => Math.sin(i)), [4, 3, SIZE, SIZE]);
    g.initializer('flat', BigInt64Array.from([0n, -1n]), [2]);
    g.node('Conv', ['pixel_values', 'w'], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Reshape', ['c', 'flat'], ['image_embeds']);
    g.output('image_embeds', 'float32', ['batch', 36]);
    const model = g.toModel({ opset: 17 });
    quantizeDynamic(model, { conv: true });
    const r = await encodeWith(await imageOnlyExport('conv-int8', encodeModel(model)), {}, 3);
    expect(r.mode).toBe('one-per-run');
    expect(r.reason).toMatch(/ConvInteger .* pads its input/);
  });
});
