import { availableParallelism } from 'node:os';
import { minimizeLbfgs, type LbfgsStop } from './lbfgs.ts';
import { ortAvailable, ortGemm } from './ort-native.ts';
import { ortObjective, ortStaircaseObjective, STAIRCASE_MIN_ROWS } from './ort-objective.ts';
import type { LinearProbe, LinearWeights } from './types.ts';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (sklearn's C). Default 1. */
  C?: number;
  /** L-BFGS iterations. Default 1000 (CLIP A.3, CoOp lpclip). */
  maxIter?: number;
  /** Converged when max |∇f| ≤ tol. Default 1e-4 (sklearn). */
  tol?: number;
  /** Relative-decrease stop, scipy's default. */
  ftol?: number;
  /** Starting weights (warm start), e.g. the solution at a neighbouring C. */
  init?: LinearWeights;
  /**
   * Solve in an orthonormal basis of the training rows' span when n < d (default true). Exact, not an
   * approximation: with W₀ in that span every gradient stays in it, and L-BFGS is invariant under
   * rotations, so the iterates are the same; a k-shot problem (n = 10k ≪ d = 512) gets much cheaper.
   */
  reduceToRowSpace?: boolean;
  /**
   * In the row space, skip the zero part of the lower-staircase coordinates in both products (see
   * ortStaircaseObjective): 1.4× per evaluation at 1,380 rows × 345 classes. The same function to
   * rounding, but at large C L-BFGS follows rounding, and on quickdraw 4-shot seed 0 that moved a tied
   * validation score and the C chosen (README). Default false: the dense graph, the answers as before.
   */
  staircase?: boolean;
  /** Called after every L-BFGS iteration (progress reporting). */
  onIteration?: (iteration: number) => void;
  /**
   * Loss/gradient kernel: 'onnxruntime' (float64 GEMM, the fast path for large problems), 'js', or
   * 'auto' (default): onnxruntime when the problem has at least ORT_MIN_WORK multiply-adds per product
   * and the binding loads, else JS. Both compute the same function in float64 (to rounding).
   */
  kernel?: ProbeKernel | 'auto';
  /** onnxruntime intra-op threads (default: the machine's available parallelism). */
  threads?: number;
}

export type ProbeKernel = 'js' | 'onnxruntime';

/**
 * Below this many multiply-adds per product (n·d·m after row-space reduction) the JS kernel is as
 * fast as a session run: per evaluation, measured at m = 10, n = d = 40 (16k) JS 0.36 ms vs
 * onnxruntime 0.17–0.41 ms; n = d = 160 (256k) JS 1.2 ms vs 0.2–0.45 ms. 1–8-shot grids stay in JS.
 */
export const ORT_MIN_WORK = 1 << 17;

/** How the last fit ended. */
export interface FitInfo {
  iterations: number;
  evaluations: number;
  stop: LbfgsStop;
  objective: number;
  /** Dimension actually optimised per class (≤ d; the training rows' rank when reduced). */
  rank: number;
  /** Which loss/gradient kernel ran. */
  kernel: ProbeKernel;
}

/**
 * Multinomial L2-regularised logistic regression with sklearn's semantics
 * (`LogisticRegression(C, solver="lbfgs", max_iter=1000)`, fit_intercept, multinomial):
 *   minimise  f(W, b) = Σ_i CE(softmax(W x_i + b), y_i) + ‖W‖² / (2C)
 * i.e. C·Σ CE + ½‖W‖² divided by C, which is the function sklearn hands to L-BFGS (so `tol` means the
 * same thing). The intercept is not penalised. Classes absent from the training labels get
 * intercept −∞ and are never predicted (sklearn only knows the classes it saw).
 */
export class LogisticRegressionProbe implements LinearProbe {
  readonly C: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly ftol: number | undefined;
  readonly init: LinearWeights | undefined;
  readonly reduceToRowSpace: boolean;
  readonly staircase: boolean;
  readonly kernel: ProbeKernel | 'auto';
  readonly threads: number;
  private readonly onIteration: ((iteration: number) => void) | undefined;
  private fitted: LinearWeights | undefined;
  private info: FitInfo | undefined;

  constructor(options: LogisticRegressionOptions = {}) {
    this.C = options.C ?? 1;
    this.maxIter = options.maxIter ?? 1000;
    this.tol = options.tol ?? 1e-4;
    this.ftol = options.ftol;
    this.init = options.init;
    this.reduceToRowSpace = options.reduceToRowSpace ?? true;
    this.staircase = options.staircase ?? false;
    this.onIteration = options.onIteration;
    this.kernel = options.kernel ?? 'auto';
    this.threads = options.threads ?? availableParallelism();
    if (!(this.C > 0) || !Number.isFinite(this.C)) throw new Error(`LogisticRegressionProbe: C must be a positive finite number, got ${this.C}`);
  }

  fit(X: Float32Array, y: Int32Array, n: number, d: number, numClasses: number): this {
    checkShapes(X, y, n, d, numClasses);
    // Compact the classes that occur (sklearn's LabelEncoder).
    const present: number[] = [];
    const counts = new Int32Array(numClasses);
    for (let i = 0; i < n; i++) counts[y[i]]++;
    for (let k = 0; k < numClasses; k++) if (counts[k] > 0) present.push(k);
    const m = present.length;
    if (m === 0) throw new Error('LogisticRegressionProbe.fit: no training examples');
    const compact = new Int32Array(numClasses).fill(-1);
    present.forEach((k, j) => (compact[k] = j));
    const yc = new Int32Array(n);
    for (let i = 0; i < n; i++) yc[i] = compact[y[i]];

    const coef = new Float64Array(numClasses * d);
    const intercept = new Float64Array(numClasses).fill(-Infinity);
    if (m === 1) {
      // One class: it is always the answer.
      intercept[present[0]] = 0;
      this.fitted = { numClasses, numFeatures: d, coef, intercept };
      this.info = { iterations: 0, evaluations: 0, stop: 'gtol', objective: 0, rank: 0, kernel: 'js' };
      return this;
    }

    const basis = this.reduceToRowSpace && n < d ? cachedRowSpace(X, n, d, this.threads) : undefined;
    const r = basis ? basis.rank : d;
    const Xr = basis ? basis.Xr : cachedFloat64(X);

    // Parameters: [W (m × r) row-major, b (m)].
    const x0 = new Float64Array(m * r + m);
    if (this.init) {
      const w = this.init;
      if (w.numFeatures !== d || w.numClasses !== numClasses)
        throw new Error(`LogisticRegressionProbe: warm start has shape [${w.numClasses}, ${w.numFeatures}], expected [${numClasses}, ${d}]`);
      for (let j = 0; j < m; j++) {
        const src = w.coef.subarray(present[j] * d, (present[j] + 1) * d);
        const dst = x0.subarray(j * r, (j + 1) * r);
        if (basis) for (let a = 0; a < r; a++) dst[a] = dotMixed(basis.Q, a * d, src, d);
        else dst.set(src);
        const b = w.intercept[present[j]];
        x0[m * r + j] = Number.isFinite(b) ? b : 0;
      }
    }

    const invC = 1 / this.C;
    const kernel: ProbeKernel =
      this.kernel === 'auto' ? (n * r * m >= ORT_MIN_WORK && ortAvailable() ? 'onnxruntime' : 'js') : this.kernel;
    let objective: (params: Float64Array, grad: Float64Array) => number;
    if (kernel === 'onnxruntime') {
      const bound = basis && this.staircase && n >= STAIRCASE_MIN_ROWS ? ortStaircaseObjective(Xr, basis.rankAfter, yc, n, r, m, this.threads) : ortObjective(Xr, yc, n, r, m, this.threads);
      objective = (params, grad) => bound(params, invC, grad);
    } else {
      const logits = new Float64Array(n * m);
      objective = (params, grad) => lossAndGradient(params, Xr, yc, n, r, m, invC, logits, grad);
    }

    const tol = this.tol;
    const sqrtD = Math.sqrt(d);
    const fullRow = new Float64Array(d);
    // sklearn's test is max |∇f| in the original coordinates; a rotation preserves row 2-norms, which
    // bound the max from both sides (max ≤ ‖·‖₂ ≤ √d·max), so the exact test is needed only in between.
    const gradientConverged = (g: Float64Array): boolean => {
      for (let j = 0; j < m; j++) if (Math.abs(g[m * r + j]) > tol) return false;
      if (!basis) {
        for (let i = 0; i < m * r; i++) if (Math.abs(g[i]) > tol) return false;
        return true;
      }
      for (let j = 0; j < m; j++) {
        let ss = 0;
        for (let a = 0; a < r; a++) ss += g[j * r + a] * g[j * r + a];
        const norm = Math.sqrt(ss);
        if (norm <= tol) continue;
        if (norm > tol * sqrtD) return false;
        fullRow.fill(0);
        for (let a = 0; a < r; a++) axpyFrom(fullRow, g[j * r + a], basis.Q, a * d, d);
        for (let t = 0; t < d; t++) if (Math.abs(fullRow[t]) > tol) return false;
      }
      return true;
    };

    const res = minimizeLbfgs(objective, x0, { maxIter: this.maxIter, gradTol: tol, ftol: this.ftol, gradientConverged, onIteration: this.onIteration });

    // Back to the original coordinates: W = W_r · Q ([m, r] × [r, d]), as one product.
    const W = basis ? gemmFor(m * r * d, this.threads)(res.x, basis.Q, m, d, r, false) : res.x;
    for (let j = 0; j < m; j++) {
      const k = present[j];
      coef.set(W.subarray(j * d, (j + 1) * d), k * d);
      intercept[k] = res.x[m * r + j];
    }
    this.fitted = { numClasses, numFeatures: d, coef, intercept };
    this.info = { iterations: res.iterations, evaluations: res.evaluations, stop: res.stop, objective: res.f, rank: r, kernel };
    return this;
  }

  weights(): LinearWeights {
    if (!this.fitted) throw new Error('LogisticRegressionProbe: call fit() first');
    return this.fitted;
  }

  fitInfo(): FitInfo {
    if (!this.info) throw new Error('LogisticRegressionProbe: call fit() first');
    return this.info;
  }

  decisionFunction(X: Float32Array, n: number): Float32Array {
    return linearScores(this.weights(), X, n, this.threads);
  }

  predictProba(X: Float32Array, n: number): Float32Array {
    const w = this.weights();
    return softmaxRows(linearScores(w, X, n, this.threads), n, w.numClasses);
  }

  predict(X: Float32Array, n: number): Int32Array {
    const w = this.weights();
    return argmaxRows(linearScores(w, X, n, this.threads), n, w.numClasses);
  }
}

/**
 * Σ_i [logsumexp(z_i) − z_{i,y_i}] + ‖W‖²/(2C) and its gradient, z = X Wᵀ + b, in Float64.
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

/**
 * Scores [n, K] = X Wᵀ + b; classes with intercept −∞ score −∞. Large products (a 345-class head on
 * thousands of rows) run on onnxruntime's float64 GEMM, in blocks of rows; the sums are the same up to
 * reassociation.
 */
export function linearScores(w: LinearWeights, X: Float32Array, n: number, threads = 1): Float32Array {
  const d = w.numFeatures;
  const K = w.numClasses;
  if (X.length !== n * d) throw new Error(`linear probe: features have ${X.length} values, expected n·d = ${n}·${d}`);
  const out = new Float32Array(n * K);
  if (n * d * K >= ORT_MIN_BASIS_WORK && ortAvailable()) {
    for (let s = 0; s < n; s += SCORE_BLOCK) {
      const rows = Math.min(SCORE_BLOCK, n - s);
      const z = ortGemm(Float64Array.from(X.subarray(s * d, (s + rows) * d)), w.coef, rows, K, d, true, threads);
      for (let t = 0; t < rows * K; t++) {
        const b = w.intercept[t % K];
        out[s * K + t] = b === -Infinity ? -Infinity : z[t] + b;
      }
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    for (let k = 0; k < K; k++) {
      const b = w.intercept[k];
      out[i * K + k] = b === -Infinity ? -Infinity : dotMixedAt(w.coef, k * d, X, xo, d) + b;
    }
  }
  return out;
}

/** Rows per onnxruntime scoring call: bounds the float64 copy of X (1024 × 2404 doubles ≈ 20 MB). */
const SCORE_BLOCK = 1024;

export function softmaxRows(scores: Float32Array, n: number, K: number): Float32Array {
  const out = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) if (scores[i * K + k] > mx) mx = scores[i * K + k];
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(scores[i * K + k] - mx);
    for (let k = 0; k < K; k++) out[i * K + k] = Math.exp(scores[i * K + k] - mx) / s;
  }
  return out;
}

/** First index of the row maximum. */
export function argmaxRows(scores: Float32Array, n: number, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (scores[i * K + k] > scores[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * Orthonormal basis (rows of Q, [rank, d]) of the span of X's rows: Gram–Schmidt with one
 * re-orthogonalisation pass ("twice is enough"); rows that add < 1e-10 of their norm are dependent.
 * Blocked (BCGS2, Barlow & Smoktunowicz 2013): each block of rows is projected off the basis so far
 * with two matrix products (`gemm`: onnxruntime's for large X), then orthogonalised within the block
 * by modified Gram–Schmidt, twice.
 */
export function rowSpaceBasis(X: Float32Array, n: number, d: number, gemm: Gemm = jsGemm): { Q: Float64Array; rank: number; rankAfter: Int32Array } {
  const Q = new Float64Array(Math.min(n, d) * d);
  // Rank after each row: row i lies in the span of the first rankAfter[i] basis rows (Gram–Schmidt order).
  const rankAfter = new Int32Array(n).fill(-1);
  const V = new Float64Array(Math.min(n, BASIS_BLOCK) * d);
  const norm0 = new Float64Array(BASIS_BLOCK);
  let rank = 0;
  for (let s = 0; s < n && rank < d; s += BASIS_BLOCK) {
    const bb = Math.min(BASIS_BLOCK, n - s);
    for (let t = 0; t < bb; t++) {
      let ss = 0;
      for (let j = 0; j < d; j++) {
        const v = X[(s + t) * d + j];
        V[t * d + j] = v;
        ss += v * v;
      }
      norm0[t] = Math.sqrt(ss);
    }
    if (rank > 0) {
      for (let pass = 0; pass < 2; pass++) {
        const coeffs = gemm(V, Q, bb, rank, d, true);
        V.set(gemm(coeffs, Q, bb, d, rank, false, { C: V, alpha: -1 }).subarray(0, bb * d));
      }
    }
    const first = rank;
    for (let t = 0; t < bb && rank < d; t++) {
      if (norm0[t] === 0) continue;
      const vo = t * d;
      for (let pass = 0; pass < 2; pass++) {
        for (let a = first; a < rank; a++) {
          const c = dotRows(Q, a * d, V, vo, d);
          for (let j = 0; j < d; j++) V[vo + j] -= c * Q[a * d + j];
        }
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += V[vo + j] * V[vo + j];
      norm = Math.sqrt(norm);
      if (norm <= 1e-10 * norm0[t]) continue;
      for (let j = 0; j < d; j++) Q[rank * d + j] = V[vo + j] / norm;
      rank++;
      rankAfter[s + t] = rank;
    }
  }
  // Rows that added nothing (and rows after the basis filled up) have the rank reached before them.
  for (let i = 0, last = 0; i < n; i++) last = rankAfter[i] = rankAfter[i] < 0 ? last : rankAfter[i];
  return { Q, rank, rankAfter };
}

const BASIS_BLOCK = 64;

/** alpha·A·op(B) (+ C): A [p, k]; B [q, k] when transB, else [k, q]; result [p, q]. */
export type Gemm = (A: Float64Array, B: Float64Array, p: number, q: number, k: number, transB: boolean, acc?: { C: Float64Array; alpha: number }) => Float64Array;

export const jsGemm: Gemm = (A, B, p, q, k, transB, acc) => {
  const out = new Float64Array(p * q);
  if (acc) out.set(acc.C.subarray(0, p * q));
  const alpha = acc ? acc.alpha : 1;
  for (let i = 0; i < p; i++) {
    if (transB) for (let c = 0; c < q; c++) out[i * q + c] += alpha * dotRows(A, i * k, B, c * k, k);
    else for (let t = 0; t < k; t++) axpyFrom(out.subarray(i * q, (i + 1) * q), alpha * A[i * k + t], B, t * q, q);
  }
  return out;
};

/** onnxruntime's GEMM once a one-off product (the basis: n²·d; back-projection; scoring) costs this many multiply-adds; below it JS is as fast. */
const ORT_MIN_BASIS_WORK = 1 << 22;

interface RowSpace {
  n: number;
  d: number;
  Q: Float64Array;
  rank: number;
  rankAfter: Int32Array;
  /** X Qᵀ, [n, rank]. */
  Xr: Float64Array;
}

// A C sweep fits the same training matrix ~15 times; its basis (O(n²d)) is computed once. Keyed by the
// array object: feature arrays are treated as immutable once handed to a probe.
const rowSpaceCache = new WeakMap<Float32Array, RowSpace>();

// The float64 copy of a training matrix, shared by the fits of a sweep like the row-space basis.
const float64Cache = new WeakMap<Float32Array, Float64Array>();

function cachedFloat64(X: Float32Array): Float64Array {
  let hit = float64Cache.get(X);
  if (!hit || hit.length !== X.length) {
    hit = Float64Array.from(X);
    float64Cache.set(X, hit);
  }
  return hit;
}

/** onnxruntime's GEMM for a product of `work` multiply-adds when that pays (see ORT_MIN_BASIS_WORK), else JS. */
function gemmFor(work: number, threads: number): Gemm {
  return work >= ORT_MIN_BASIS_WORK && ortAvailable() ? (A, B, p, q, k, t, acc) => ortGemm(A, B, p, q, k, t, threads, acc) : jsGemm;
}

function cachedRowSpace(X: Float32Array, n: number, d: number, threads: number): RowSpace {
  const hit = rowSpaceCache.get(X);
  if (hit && hit.n === n && hit.d === d) return hit;
  const gemm = gemmFor(n * n * d, threads);
  const { Q, rank, rankAfter } = rowSpaceBasis(X, n, d, gemm);
  // X Qᵀ: coordinates of each row in the basis, [n, rank].
  const entry = { n, d, Q, rank, rankAfter, Xr: gemm(cachedFloat64(X), Q, n, rank, d, true) };
  rowSpaceCache.set(X, entry);
  return entry;
}

function checkShapes(X: Float32Array, y: Int32Array, n: number, d: number, numClasses: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1)
    throw new Error(`linear probe: n and d must be positive integers, got n=${n}, d=${d}`);
  if (X.length !== n * d) throw new Error(`linear probe: features have ${X.length} values, expected n·d = ${n}·${d}`);
  if (y.length !== n) throw new Error(`linear probe: ${y.length} labels for ${n} examples`);
  for (let i = 0; i < n; i++)
    if (!(y[i] >= 0 && y[i] < numClasses)) throw new Error(`linear probe: label ${y[i]} at row ${i} is outside 0..${numClasses - 1}`);
}

function dotRows(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < len; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

// Same loop as dotRows for a Float32Array operand: one element type per function keeps V8's
// typed-array loads monomorphic in this hot path.
function dotMixedAt(a: Float64Array, ao: number, b: Float32Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < len; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

function dotMixed(Q: Float64Array, qo: number, v: Float64Array, len: number): number {
  return dotRows(Q, qo, v, 0, len);
}

function axpyFrom(dst: Float64Array, c: number, src: Float64Array, so: number, len: number): void {
  if (c === 0) return;
  for (let j = 0; j < len; j++) dst[j] += c * src[so + j];
}
