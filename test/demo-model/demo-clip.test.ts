import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { learnDictionary, samplePatches } from '../../src/demo-model/dictionary.ts';
import { encoderModel, featureDim } from '../../src/demo-model/vision-graph.ts';
import { referenceFeatures } from '../../src/demo-model/reference.ts';
import { toPixelValues, type ImageSet } from '../../src/demo-model/images.ts';
import { Rng } from '../../src/util/rng.ts';

const DIR = join(PROJECT_ROOT, 'models/demo-clip');
const manifest = JSON.parse(readFileSync(join(DIR, 'model.json'), 'utf8'));
const E: number = manifest.embeddingDim;

function randomImages(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * 32 * 32 * 3);
  // Smooth random blobs plus noise: patches with structure, not just white noise.
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        for (let c = 0; c < 3; c++)
          pixels[((i * 32 + y) * 32 + x) * 3 + c] = Math.max(0, Math.min(255, 128 + 90 * Math.sin((x + 3 * i + c) / 4) * Math.cos(y / 5) + 30 * rng.normal()));
  return { n, height: 32, width: 32, channels: 3, pixels, labels: new Int32Array(n) };
}

function pixelBatch(set: ImageSet): Float32Array {
  const x = new Float32Array(set.n * 3 * 32 * 32);
  for (let i = 0; i < set.n; i++) toPixelValues(set, i, x, i * 3 * 32 * 32);
  return x;
}

describe('committed demo-clip model', () => {
  it('ships the transformers.js layout, a fp16 variant, and stays under 25 MB', () => {
    const files = ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'onnx/vision_model_fp16.onnx', 'onnx/text_model_fp16.onnx', 'preprocessor_config.json', 'model.json', 'README.md'];
    for (const f of files) expect(existsSync(join(DIR, f)), f).toBe(true);
    const total = readdirSync(join(DIR, 'onnx')).reduce((a, f) => a + statSync(join(DIR, 'onnx', f)).size, 0);
    expect(total).toBeLessThan(25 * 1024 * 1024);
  });

  it('states that it is a demo whose labels came from QuickDraw only', () => {
    expect(manifest.demo).toBe(true);
    expect(manifest.trainedOn).toEqual(['quickdraw']);
    expect(manifest.trainedOn).not.toContain('cifar10');
  });

  for (const variant of ['', '_fp16']) {
    it(`vision${variant || ' fp32'}: pixel_values [n,3,32,32] → unit-norm image_embeds [n,${E}]`, async () => {
      const s = await ort.InferenceSession.create(join(DIR, `onnx/vision_model${variant}.onnx`));
      expect(s.inputNames).toEqual(['pixel_values']);
      expect(s.outputNames).toEqual(['image_embeds']);
      const set = randomImages(3, 1);
      const r = await s.run({ pixel_values: new ort.Tensor('float32', pixelBatch(set), [3, 3, 32, 32]) });
      expect(r.image_embeds.dims).toEqual([3, E]);
      const v = r.image_embeds.data as Float32Array;
      for (let i = 0; i < 3; i++) {
        let n = 0;
        for (let d = 0; d < E; d++) n += v[i * E + d] ** 2;
        expect(Math.sqrt(n)).toBeCloseTo(1, 4);
      }
    });

    it(`text${variant || ' fp32'}: input_ids + attention_mask [n,77] → text_embeds [n,${E}], zero past the aligned dims`, async () => {
      const s = await ort.InferenceSession.create(join(DIR, `onnx/text_model${variant}.onnx`));
      expect(s.inputNames).toEqual(['input_ids', 'attention_mask']);
      const ids = new BigInt64Array(2 * 77).fill(49407n);
      const mask = new BigInt64Array(2 * 77);
      // "a photo of a dog." and "a photo of a cat." (CLIP BPE ids)
      const rows = [[49406, 320, 1125, 539, 320, 1929, 269, 49407], [49406, 320, 1125, 539, 320, 2368, 269, 49407]];
      rows.forEach((r, i) => r.forEach((id, j) => { ids[i * 77 + j] = BigInt(id); mask[i * 77 + j] = 1n; }));
      const r = await s.run({ input_ids: new ort.Tensor('int64', ids, [2, 77]), attention_mask: new ort.Tensor('int64', mask, [2, 77]) });
      expect(r.text_embeds.dims).toEqual([2, E]);
      const v = r.text_embeds.data as Float32Array;
      const words = 100;
      let tail = 0, head = 0, diff = 0;
      for (let d = 0; d < E; d++) {
        if (d >= words) tail += Math.abs(v[d]) + Math.abs(v[E + d]);
        else { head += Math.abs(v[d]); diff += Math.abs(v[d] - v[E + d]); }
      }
      expect(tail).toBe(0);
      expect(head).toBeGreaterThan(0.1);
      expect(diff).toBeGreaterThan(0.1); // dog ≠ cat
    });
  }

  it('padding with 0 (OpenAI) or with <|endoftext|> (Hugging Face) gives the same text embedding', async () => {
    const s = await ort.InferenceSession.create(join(DIR, 'onnx/text_model.onnx'));
    const row = [49406, 320, 1125, 539, 320, 1929, 269, 49407];
    const ids = new BigInt64Array(2 * 77);
    const mask = new BigInt64Array(2 * 77).fill(1n); // mask all ones: padding must not count anyway
    row.forEach((id, j) => { ids[j] = BigInt(id); ids[77 + j] = BigInt(id); });
    for (let j = row.length; j < 77; j++) ids[77 + j] = 49407n;
    const r = await s.run({ input_ids: new ort.Tensor('int64', ids, [2, 77]), attention_mask: new ort.Tensor('int64', mask, [2, 77]) });
    const v = r.text_embeds.data as Float32Array;
    for (let d = 0; d < 100; d++) expect(v[d]).toBeCloseTo(v[E + d], 5);
  });
});

describe('demo image encoder graph', () => {
  it('reproduces the plain-JS feature computation', async () => {
    const imgs = randomImages(40, 7);
    const patches = samplePatches([{ set: imgs }], 2000, 3, 0.01);
    const dict = learnDictionary(patches, { filters: 8, patches: 2000, contrastEps: 0.01, zcaEps: 0.1, iterations: 3, seed: 4 });
    const s = await ort.InferenceSession.create(encoderModel({ dict, alpha: 0.5 }));
    const x = pixelBatch(imgs);
    const r = await s.run({ pixel_values: new ort.Tensor('float32', x.subarray(0, 2 * 3072), [2, 3, 32, 32]) });
    const got = r.features.data as Float32Array;
    const F = featureDim(8);
    expect(got.length).toBe(2 * F);
    for (let i = 0; i < 2; i++) {
      const want = referenceFeatures(x.subarray(i * 3072, (i + 1) * 3072), dict, 0.5);
      let maxErr = 0, maxVal = 0;
      for (let d = 0; d < F; d++) {
        maxErr = Math.max(maxErr, Math.abs(got[i * F + d] - want[d]));
        maxVal = Math.max(maxVal, Math.abs(want[d]));
      }
      expect(maxVal).toBeGreaterThan(0.01);
      expect(maxErr).toBeLessThan(1e-4 * Math.max(1, maxVal));
    }
  });

  it('learns unit-norm-whitened, zero-sum filters', () => {
    const imgs = randomImages(20, 2);
    const dict = learnDictionary(samplePatches([{ set: imgs }], 1000, 1, 0.01), { filters: 4, patches: 1000, contrastEps: 0.01, zcaEps: 0.1, iterations: 2, seed: 1 });
    for (let k = 0; k < 4; k++) {
      let s = 0;
      for (let q = 0; q < 108; q++) s += dict.weights[k * 108 + q];
      expect(Math.abs(s)).toBeLessThan(1e-4);
    }
  });
});
