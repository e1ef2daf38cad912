/** Small dense products the methods share; large ones go through the probe's float64 GEMM (onnxruntime when it loads). */
import { linearScores } from '../probe/logistic-regression.ts';
import type { LinearWeights } from '../probe/index.ts';

/** A · Bᵀ: A [n, d], B [m, d] → [n, m] (Float32). */
export function productsT(A: Float32Array, n: number, B: Float32Array | Float64Array, m: number, d: number): Float32Array {
  return linearScores({ numClasses: m, numFeatures: d, coef: B instanceof Float64Array ? B : Float64Array.from(B), intercept: new Float64Array(m) }, A, n);
}

/** Logits of a linear head on normalised rows; classes with intercept −∞ score −∞. */
export function linearLogits(w: LinearWeights, X: Float32Array, n: number): Float32Array {
  return linearScores(w, X, n);
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

/** The zero-shot head as a linear head on normalised features: W = s·W_zs, b = 0 (wise-ft's ClassificationHead). */
export function zeroShotLinear(W: Float32Array, scale: number, K: number, d: number): LinearWeights {
  return { numClasses: K, numFeatures: d, coef: Float64Array.from(W, (v) => scale * v), intercept: new Float64Array(K) };
}
