/**
 * The probe's objective, sklearn's multinomial logistic regression scaled as sklearn hands it to L-BFGS:
 *   f(W, b) = Σ_i CE(softmax(W x_i + b), y_i) + ‖W‖² / (2C)
 * and its gradient, computed by one of three kernels: JS float64 (small problems), onnxruntime float64
 * (the reference for large ones) or onnxruntime float32 (the fast phase of a mixed-precision fit).
 */
import { axpyFrom, dotRows } from './dense.ts';
import { ortAvailable, ortObjective, ortObjective32, ortStaircaseObjective, STAIRCASE_MIN_ROWS } from './ort-objective.ts';

export type ProbeKernel = 'js' | 'onnxruntime';

/**
 * Below this many multiply-adds per product (n·d·m after row-space reduction) the JS kernel is as
 * fast as a session run: per evaluation, measured at m = 10, n = d = 40 (16k) JS 0.36 ms vs
 * onnxruntime 0.17–0.41 ms; n = d = 160 (256k) JS 1.2 ms vs 0.2–0.45 ms. 1–8-shot grids stay in JS.
 */
export const ORT_MIN_WORK = 1 << 17;

/** f(params) with ∇f written into grad; params = [W (m × d) row-major, b (m)]. */
export type Objective = (params: Float64Array, grad: Float64Array) => number;

export interface ObjectiveSpec {
  /** Training rows [n, d] (row-space coordinates when reduced), float64. */
  X: Float64Array;
  /** Labels compacted to 0..m−1. */
  y: Int32Array;
  n: number;
  d: number;
  m: number;
  C: number;
  kernel: ProbeKernel | 'auto';
  /** float32: onnxruntime's float32 products (falls back to float64 when the kernel is JS). */
  precision: 'float64' | 'float32';
  threads: number;
  /** Row-space staircase (see ortStaircaseObjective), onnxruntime only. */
  rankAfter?: Int32Array;
  /** Fixed per-row logit offsets [n, m] added to X·Wᵀ + b (solver.ts `offsets`). */
  offsets?: Float64Array;
}

/** The kernel 'auto' resolves to for a problem of n rows, d coordinates and m classes. */
export function resolveKernel(kernel: ProbeKernel | 'auto', n: number, d: number, m: number): ProbeKernel {
  return kernel === 'auto' ? (n * d * m >= ORT_MIN_WORK && ortAvailable() ? 'onnxruntime' : 'js') : kernel;
}

/** The objective of one fit, bound to its training set and C. */
export function bindObjective(spec: ObjectiveSpec): { objective: Objective; kernel: ProbeKernel; precision: 'float64' | 'float32' } {
  const { X, y, n, d, m, threads } = spec;
  const invC = 1 / spec.C;
  const kernel = resolveKernel(spec.kernel, n, d, m);
  const { offsets } = spec;
  if (kernel === 'onnxruntime') {
    if (spec.precision === 'float32') {
      const bound = spec.rankAfter && n >= STAIRCASE_MIN_ROWS ? ortStaircaseObjective(X, spec.rankAfter, y, n, d, m, threads, offsets, 'float32') : ortObjective32(X, y, n, d, m, threads, offsets);
      return { objective: (p, g) => bound(p, invC, g), kernel, precision: 'float32' };
    }
    const bound = spec.rankAfter && n >= STAIRCASE_MIN_ROWS ? ortStaircaseObjective(X, spec.rankAfter, y, n, d, m, threads, offsets) : ortObjective(X, y, n, d, m, threads, offsets);
    return { objective: (p, g) => bound(p, invC, g), kernel, precision: 'float64' };
  }
  const logits = new Float64Array(n * m);
  return { objective: (p, g) => lossAndGradient(p, X, y, n, d, m, invC, logits, g, offsets), kernel, precision: 'float64' };
}

/**
 * Σ_i [logsumexp(z_i) − z_{i,y_i}] + ‖W‖²/(2C) and its gradient, z = X Wᵀ + b (+ offsets), in Float64.
 * Softmax is shifted by the row max, so large logits (large C, separable data) cannot overflow.
 * Register-blocked for V8 (each x_i load feeds four classes; each gradient row store takes four rows'
 * contributions): about 1.6× the plain loops, same sums up to reassociation.
 */
export function lossAndGradient(
  params: Float64Array,
  X: Float64Array,
  y: Int32Array,
  n: number,
  d: number,
  m: number,
  invC: number,
  logits: Float64Array,
  grad: Float64Array,
  offsets?: Float64Array,
): number {
  const bOff = m * d;
  let loss = 0;
  // Logits and residuals (softmax − one-hot), in place.
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    const zo = i * m;
    let k = 0;
    for (; k + 3 < m; k += 4) {
      const w0 = k * d;
      const w1 = w0 + d;
      const w2 = w1 + d;
      const w3 = w2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d; j++) {
        const x = X[xo + j];
        s0 += params[w0 + j] * x;
        s1 += params[w1 + j] * x;
        s2 += params[w2 + j] * x;
        s3 += params[w3 + j] * x;
      }
      logits[zo + k] = s0 + params[bOff + k];
      logits[zo + k + 1] = s1 + params[bOff + k + 1];
      logits[zo + k + 2] = s2 + params[bOff + k + 2];
      logits[zo + k + 3] = s3 + params[bOff + k + 3];
    }
    for (; k < m; k++) logits[zo + k] = dotRows(params, k * d, X, xo, d) + params[bOff + k];
    if (offsets) for (k = 0; k < m; k++) logits[zo + k] += offsets[zo + k];
    let zmax = -Infinity;
    for (k = 0; k < m; k++) if (logits[zo + k] > zmax) zmax = logits[zo + k];
    const yi = y[i];
    const zy = logits[zo + yi];
    let sum = 0;
    for (k = 0; k < m; k++) {
      const e = Math.exp(logits[zo + k] - zmax);
      logits[zo + k] = e;
      sum += e;
    }
    // −log softmax_y = logsumexp(z) − z_y, with logsumexp(z) = zmax + log Σ exp(z − zmax).
    loss += Math.log(sum) - (zy - zmax);
    const inv = 1 / sum;
    for (k = 0; k < m; k++) logits[zo + k] *= inv;
    logits[zo + yi] -= 1;
  }
  // Gradient: ∇W = Rᵀ X + W/C, ∇b = Σ_i R_i.
  let pen = 0;
  for (let t = 0; t < bOff; t++) {
    const w = params[t];
    pen += w * w;
    grad[t] = w * invC;
  }
  for (let k = 0; k < m; k++) grad[bOff + k] = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = i * d;
    const x1 = x0 + d;
    const x2 = x1 + d;
    const x3 = x2 + d;
    for (let k = 0; k < m; k++) {
      const c0 = logits[i * m + k];
      const c1 = logits[(i + 1) * m + k];
      const c2 = logits[(i + 2) * m + k];
      const c3 = logits[(i + 3) * m + k];
      grad[bOff + k] += c0 + c1 + c2 + c3;
      const go = k * d;
      for (let j = 0; j < d; j++) grad[go + j] += c0 * X[x0 + j] + c1 * X[x1 + j] + c2 * X[x2 + j] + c3 * X[x3 + j];
    }
  }
  for (; i < n; i++) {
    const xo = i * d;
    for (let k = 0; k < m; k++) {
      const c = logits[i * m + k];
      grad[bOff + k] += c;
      axpyFrom(grad.subarray(k * d, (k + 1) * d), c, X, xo, d);
    }
  }
  return loss + 0.5 * invC * pen;
}
