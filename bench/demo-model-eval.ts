/**
 * Self-check of the committed demo model, independent of the harness: CIFAR-10 test zero-shot
 * (the dataset's 18 OpenAI templates, ensembled) and a k-shot softmax-regression probe over seeds,
 * through the exported ONNX files in onnxruntime. Prints JSON.
 *
 *   npx tsx bench/demo-model-eval.ts [--model models/demo-clip] [--variant fp32|fp16] [--dataset cifar10] [--shots 4] [--seeds 3]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { openDataset } from '../src/datasets/resolve.ts';
import { toPixelValues, INPUT_SIZE, type ImageSet } from '../src/demo-model/images.ts';
import { clipTokenizer } from '../src/demo-model/word-vectors.ts';
import { Rng } from '../src/util/rng.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/demo-clip' },
    variant: { type: 'string', default: 'fp32' },
    dataset: { type: 'string', default: 'cifar10' },
    shots: { type: 'string', default: '4' },
    seeds: { type: 'string', default: '3' },
  },
});
const dir = resolve(values.model!);
const suffix = values.variant === 'fp16' ? '_fp16' : '';
const opt = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const vision = await ort.InferenceSession.create(join(dir, `onnx/vision_model${suffix}.onnx`), opt);
const text = await ort.InferenceSession.create(join(dir, `onnx/text_model${suffix}.onnx`), opt);
const ds = await openDataset(values.dataset!);
const tok = await clipTokenizer();

async function readAll(split: 'train' | 'test', idx?: number[]): Promise<ImageSet> {
  const n = idx?.length ?? (await ds.size(split));
  let set: ImageSet | undefined;
  let k = 0;
  for await (const ex of ds.read(split, idx)) {
    const { width, height, channels, data } = ex.image;
    set ??= { n, width, height, channels: channels as 1 | 3, pixels: new Uint8Array(n * width * height * channels), labels: new Int32Array(n) };
    set.pixels.set(data, k * data.length);
    set.labels[k++] = ex.label;
  }
  return set!;
}
async function embedImages(set: ImageSet): Promise<{ E: Float32Array; dim: number; msPerImage: number }> {
  const B = 256;
  const plane = 3 * INPUT_SIZE * INPUT_SIZE;
  const parts: Float32Array[] = [];
  let dim = 0;
  let ms = 0;
  for (let s = 0; s < set.n; s += B) {
    const m = Math.min(B, set.n - s);
    const x = new Float32Array(m * plane);
    for (let j = 0; j < m; j++) toPixelValues(set, s + j, x, j * plane);
    const t = performance.now();
    const r = await vision.run({ pixel_values: new ort.Tensor('float32', x, [m, 3, INPUT_SIZE, INPUT_SIZE]) });
    ms += performance.now() - t;
    dim = Number(r.image_embeds.dims[1]);
    parts.push(r.image_embeds.data as Float32Array);
  }
  const E = new Float32Array(set.n * dim);
  let o = 0;
  for (const p of parts) { E.set(p, o); o += p.length; }
  return { E, dim, msPerImage: ms / set.n };
}
async function embedTexts(texts: string[]): Promise<Float32Array> {
  const L = 77;
  const ids = new BigInt64Array(texts.length * L).fill(49407n);
  const mask = new BigInt64Array(texts.length * L);
  texts.forEach((t, i) => {
    const toks = [49406, ...tok.encode(t).slice(0, L - 2), 49407];
    toks.forEach((id, j) => { ids[i * L + j] = BigInt(id); mask[i * L + j] = 1n; });
  });
  const r = await text.run({ input_ids: new ort.Tensor('int64', ids, [texts.length, L]), attention_mask: new ort.Tensor('int64', mask, [texts.length, L]) });
  return r.text_embeds.data as Float32Array;
}
const unit = (v: Float32Array) => { let s = 0; for (const x of v) s += x * x; const k = 1 / Math.sqrt(s + 1e-20); return v.map((x) => x * k); };

const test = await readAll('test');
const { E, dim, msPerImage } = await embedImages(test);
// Zero-shot (CLIP protocol): class embedding = normalised mean of normalised prompt embeddings.
const C = ds.classes.length;
const classEmb = new Float32Array(C * dim);
for (let c = 0; c < C; c++) {
  const T = await embedTexts(ds.templates.map((t) => t.replaceAll('{}', ds.classes[c])));
  const acc = new Float32Array(dim);
  for (let t = 0; t < ds.templates.length; t++) { const u = unit(T.subarray(t * dim, (t + 1) * dim)); for (let d = 0; d < dim; d++) acc[d] += u[d]; }
  classEmb.set(unit(acc), c * dim);
}
let correct = 0;
const predCounts = new Array(C).fill(0);
for (let i = 0; i < test.n; i++) {
  let best = 0, bv = -Infinity;
  for (let c = 0; c < C; c++) { let s = 0; for (let d = 0; d < dim; d++) s += E[i * dim + d] * classEmb[c * dim + d]; if (s > bv) { bv = s; best = c; } }
  predCounts[best]++;
  if (best === test.labels[i]) correct++;
}
const zs = correct / test.n;
const wilson = (p: number, n: number) => { const z = 1.96, d = 1 + z * z / n, c = (p + z * z / (2 * n)) / d, h = (z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / d; return [c - h, c + h]; };

// k-shot probe: multinomial logistic regression (L2, full-batch gradient descent) on L2-normalised embeddings.
const shots = Number(values.shots), seeds = Number(values.seeds);
const trainLabels = await ds.labels('train');
const probeAcc: number[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const perm = new Rng(seed).permutation(trainLabels.length);
  const cnt = new Array(C).fill(0);
  const sel: number[] = [];
  for (const i of perm) if (cnt[trainLabels[i]] < shots) { cnt[trainLabels[i]]++; sel.push(i); }
  sel.sort((a, b) => a - b);
  const tr = await readAll('train', sel);
  const Xa = (await embedImages(tr)).E;
  const n = tr.n, W = new Float64Array(dim * C), b = new Float64Array(C), l2 = 1e-3;
  const nrm = (X: Float32Array, i: number) => { let s = 0; for (let d = 0; d < dim; d++) s += X[i * dim + d] ** 2; return 1 / Math.sqrt(s + 1e-20); };
  for (let it = 0; it < 500; it++) {
    const gW = new Float64Array(dim * C), gb = new Float64Array(C);
    for (let i = 0; i < n; i++) {
      const k = nrm(Xa, i), z = new Float64Array(C);
      for (let c = 0; c < C; c++) { let s = b[c]; for (let d = 0; d < dim; d++) s += Xa[i * dim + d] * k * W[d * C + c]; z[c] = s; }
      const mx = Math.max(...z); let se = 0;
      for (let c = 0; c < C; c++) { z[c] = Math.exp(z[c] - mx); se += z[c]; }
      for (let c = 0; c < C; c++) { const g = (z[c] / se - (c === tr.labels[i] ? 1 : 0)) / n; gb[c] += g; for (let d = 0; d < dim; d++) gW[d * C + c] += g * Xa[i * dim + d] * k; }
    }
    for (let q = 0; q < W.length; q++) W[q] -= 2 * (gW[q] + l2 * W[q]);
    for (let c = 0; c < C; c++) b[c] -= 2 * gb[c];
  }
  let ok = 0;
  for (let i = 0; i < test.n; i++) {
    const k = nrm(E, i); let best = 0, bv = -Infinity;
    for (let c = 0; c < C; c++) { let s = b[c]; for (let d = 0; d < dim; d++) s += E[i * dim + d] * k * W[d * C + c]; if (s > bv) { bv = s; best = c; } }
    if (best === test.labels[i]) ok++;
  }
  probeAcc.push(ok / test.n);
}
const mean = probeAcc.reduce((a, b) => a + b, 0) / probeAcc.length;
console.log(JSON.stringify({
  model: dir, variant: values.variant, dataset: ds.name, embeddingDim: dim,
  zeroShot: { accuracy: zs, ci95: wilson(zs, test.n), n: test.n, predictedCounts: predCounts },
  probe: { shots, seeds, accuracies: probeAcc, mean, ci95OfMeanOverTest: wilson(mean, test.n * seeds) },
  msPerImageOneThread: msPerImage,
}, null, 2));
