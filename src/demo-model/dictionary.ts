/**
 * Unsupervised patch dictionary (Coates & Ng 2011): random 6×6 patches from unlabelled images,
 * per-patch brightness/contrast normalisation, ZCA whitening, spherical k-means. The result is
 * folded into plain convolution filters so the ONNX image tower needs no special op.
 */
import { Rng } from '../util/rng.ts';
import { symmetricEigen } from './linalg.ts';
import { INPUT_SIZE, toPixelValues, type ImageSet, type ToInputOptions } from './images.ts';

export const PATCH = 6;
export const PATCH_DIM = 3 * PATCH * PATCH;

export interface DictionaryOptions {
  filters: number;
  patches: number;
  /** Added to the patch variance before dividing (normalised-pixel units²). */
  contrastEps: number;
  /** Added to eigenvalues in ZCA. */
  zcaEps: number;
  iterations: number;
  seed: number;
}

export interface Dictionary {
  /** filters × PATCH_DIM conv weights (layout [k][c][y][x]), zero-sum per filter, whitening folded in. */
  weights: Float32Array;
  filters: number;
  contrastEps: number;
}

/** Sample normalised patches (rows of PATCH_DIM) from images of the given sets, round-robin. */
export function samplePatches(sets: { set: ImageSet; opts?: ToInputOptions }[], count: number, seed: number, contrastEps: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(count * PATCH_DIM);
  const img = new Float32Array(3 * INPUT_SIZE * INPUT_SIZE);
  const S = INPUT_SIZE;
  const perImage = 8;
  let k = 0;
  while (k < count) {
    const src = sets[k % sets.length];
    toPixelValues(src.set, rng.int(src.set.n), img, 0, src.opts);
    for (let r = 0; r < perImage && k < count; r++, k++) {
      const y0 = rng.int(S - PATCH + 1);
      const x0 = rng.int(S - PATCH + 1);
      const o = k * PATCH_DIM;
      let j = 0;
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < PATCH; y++) for (let x = 0; x < PATCH; x++) out[o + j++] = img[c * S * S + (y0 + y) * S + x0 + x];
      normalisePatch(out, o, contrastEps);
    }
  }
  return out;
}

function normalisePatch(p: Float64Array, o: number, eps: number): void {
  let m = 0;
  let m2 = 0;
  for (let j = 0; j < PATCH_DIM; j++) {
    m += p[o + j];
    m2 += p[o + j] * p[o + j];
  }
  m /= PATCH_DIM;
  const v = m2 / PATCH_DIM - m * m;
  const s = 1 / Math.sqrt(Math.max(v, 0) + eps);
  for (let j = 0; j < PATCH_DIM; j++) p[o + j] = (p[o + j] - m) * s;
}

/** Learn the dictionary and fold ZCA + mean removal into conv weights. */
export function learnDictionary(patches: Float64Array, opts: DictionaryOptions): Dictionary {
  const n = patches.length / PATCH_DIM;
  const d = PATCH_DIM;
  // ZCA on normalised patches (already zero-mean per patch; remove the dataset mean too).
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += patches[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const C = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = patches[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const v = row[a];
      for (let b = a; b < d; b++) C[a * d + b] += v * row[b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) C[b * d + a] = C[a * d + b] /= n;
  const { values, vectors } = symmetricEigen(C, d);
  const W = new Float64Array(d * d); // ZCA: U (Λ + ε)^-½ Uᵀ
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let e = 0; e < d; e++) s += (vectors[a * d + e] * vectors[b * d + e]) / Math.sqrt(Math.max(values[e], 0) + opts.zcaEps);
      W[a * d + b] = s;
    }
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = patches[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += W[a * d + b] * row[b];
      Z[i * d + a] = s;
    }
  }
  const D = sphericalKMeans(Z, n, d, opts.filters, opts.iterations, opts.seed);
  // Filter k on a raw patch p: D_k · W · (p − μ1)/s. Fold W, and make each filter zero-sum so
  // that applying it to p equals applying it to p − μ1. (The dataset mean term is a constant bias
  // D_k·W·mean·s that we drop: it only shifts responses by a per-filter constant scaled by 1/s.)
  const weights = new Float32Array(opts.filters * d);
  for (let k = 0; k < opts.filters; k++) {
    let sum = 0;
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += D[k * d + a] * W[a * d + b];
      weights[k * d + b] = s;
      sum += s;
    }
    for (let b = 0; b < d; b++) weights[k * d + b] -= sum / d;
  }
  return { weights, filters: opts.filters, contrastEps: opts.contrastEps };
}

/** Spherical k-means: unit-norm centroids maximising Σ max_k |d_k · z| assignment (sign-agnostic). */
function sphericalKMeans(Z: Float64Array, n: number, d: number, K: number, iters: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const D = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    const i = rng.int(n);
    for (let j = 0; j < d; j++) D[k * d + j] = Z[i * d + j] + 1e-3 * rng.normal();
  }
  normaliseRows(D, K, d);
  const acc = new Float64Array(K * d);
  for (let it = 0; it < iters; it++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestV = -1;
      let bestS = 1;
      const zo = i * d;
      for (let k = 0; k < K; k++) {
        let s = 0;
        const ko = k * d;
        for (let j = 0; j < d; j++) s += D[ko + j] * Z[zo + j];
        const a = Math.abs(s);
        if (a > bestV) {
          bestV = a;
          best = k;
          bestS = s;
        }
      }
      // Coates & Ng's update accumulates s · z: both polarities pull the same atom.
      const ko = best * d;
      for (let j = 0; j < d; j++) acc[ko + j] += bestS * Z[zo + j];
    }
    for (let k = 0; k < K; k++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += acc[k * d + j] * acc[k * d + j];
      if (norm < 1e-12) {
        const i = rng.int(n); // dead atom: restart from a random patch
        for (let j = 0; j < d; j++) D[k * d + j] = Z[i * d + j];
      } else for (let j = 0; j < d; j++) D[k * d + j] = acc[k * d + j];
    }
    normaliseRows(D, K, d);
  }
  return D;
}

function normaliseRows(M: Float64Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += M[r * d + j] * M[r * d + j];
    s = 1 / Math.sqrt(s + 1e-20);
    for (let j = 0; j < d; j++) M[r * d + j] *= s;
  }
}
