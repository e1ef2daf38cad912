/** Small dense products the methods share; large ones go through the probe's float64 GEMM (onnxruntime when it loads). */
import { linearScores } from '../probe/logistic-regression.ts';
import type { LinearWeights } from '../probe/index.ts';
import { ortAvailable, ortGemm } from '../probe/ort-native.ts';
import { availableParallelism } from 'node:os';

/** A · Bᵀ: A [n, d], B [m, d] → [n, m] (Float32). */
export function productsT(A: Float32Array, n: number, B: Float32Array | Float64Array, m: number, d: number): Float32Array {
  return linearScores({ numClasses: m, numFeatures: d, coef: B instanceof Float64Array ? B : Float64Array.from(B), intercept: new Float64Array(m) }, A, n);
}

/** Arg-max per row (first maximum wins, as the harness's metrics do). */
export function argmaxRow(s: ArrayLike<number>, off: number, K: number): number {
  let best = 0;
  let bv = s[off];
  for (let c = 1; c < K; c++) if (s[off + c] > bv) (bv = s[off + c]), (best = c);
  return best;
}

/** Top-1 accuracy of logits [n, K]. */
export function top1(scores: ArrayLike<number>, y: Int32Array, K: number): number {
  if (y.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (argmaxRow(scores, i * K, K) === y[i]) ok++;
  return ok / y.length;
}

/** Row-wise softmax in place on a float64 [n, K] block. */
export function softmaxInPlace(z: Float64Array, n: number, K: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let mx = -Infinity;
    for (let c = 0; c < K; c++) if (z[o + c] > mx) mx = z[o + c];
    let s = 0;
    for (let c = 0; c < K; c++) s += z[o + c] = Math.exp(z[o + c] - mx);
    for (let c = 0; c < K; c++) z[o + c] /= s;
  }
}

/**
 * Cross-entropy of logits `z` [n, K] against labels `y` (the mean over rows, or with `sum` their sum), and z
 * turned in place into softmax(z) − onehot(y): the gradient of the summed loss with respect to the logits
 * (divide by n for the mean's). One max pass and one exp pass per row.
 */
export function crossEntropyResidual(z: Float64Array, y: Int32Array, n: number, K: number, reduction: 'mean' | 'sum' = 'mean'): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let mx = -Infinity;
    for (let c = 0; c < K; c++) if (z[o + c] > mx) mx = z[o + c];
    const zy = z[o + y[i]];
    let se = 0;
    for (let c = 0; c < K; c++) se += z[o + c] = Math.exp(z[o + c] - mx);
    const ce = mx + Math.log(se) - zy;
    loss += reduction === 'mean' ? ce / n : ce;
    for (let c = 0; c < K; c++) z[o + c] /= se;
    z[o + y[i]] -= 1;
  }
  return loss;
}

/** The zero-shot head as a linear head on normalised features: W = s·W_zs, b = 0 (wise-ft's ClassificationHead). */
export function zeroShotLinear(W: Float32Array, scale: number, K: number, d: number): LinearWeights {
  return { numClasses: K, numFeatures: d, coef: Float64Array.from(W, (v) => scale * v), intercept: new Float64Array(K) };
}

/** A · Bᵀ in float64: A [n, d] (rows from `aOff`), B [m, d] → out [n, m]. */
export function gemmT(A: ArrayLike<number>, n: number, B: ArrayLike<number>, m: number, d: number, out = new Float64Array(n * m)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ai = i * d;
    for (let k = 0; k < m; k++) {
      const bk = k * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += A[ai + j] * B[bk + j];
      out[i * m + k] = s;
    }
  }
  return out;
}

/** Largest eigenvalue of Aᵀ·A (A [n, d]) by power iteration, to relative change 1e-10 (scipy's eigh in LP++ is exact). */
export function largestEigenvalueGram(A: ArrayLike<number>, n: number, d: number, maxIter = 1000): number {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lambda = 0;
  const Av = new Float64Array(n);
  for (let it = 0; it < maxIter; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[i * d + j] * v[j];
      Av[i] = s;
    }
    const w = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[j] += A[i * d + j] * Av[i];
    const norm = Math.sqrt(w.reduce((a, x) => a + x * x, 0));
    if (norm === 0) return 0;
    const next = norm;
    for (let j = 0; j < d; j++) w[j] /= norm;
    v = w;
    if (Math.abs(next - lambda) <= 1e-10 * next) return next;
    lambda = next;
  }
  return lambda;
}

/** Below this many multiply-adds a product stays in float64 JS (exact for small problems and gradient checks); above, the GEMM. */
const FAST_MIN_WORK = 1 << 20;

/** A · Bᵀ in float64: JS for small products, onnxruntime's float64 GEMM (the probe's kernel) for large ones when it loads. */
export function productsTAuto(A: Float32Array | Float64Array, n: number, B: Float64Array, m: number, d: number): Float64Array {
  if (n * m * d < FAST_MIN_WORK || !ortAvailable()) return gemmT(A, n, B, m, d);
  return ortGemm(A instanceof Float64Array ? A : Float64Array.from(A), B, n, m, d, true, availableParallelism());
}
