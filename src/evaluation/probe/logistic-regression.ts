import { availableParallelism } from 'node:os';
import { dotMixedAt, ORT_MIN_BASIS_WORK } from './dense.ts';
import type { ProbeKernel } from './objective.ts';
import { ortAvailable, ortGemm } from './ort-native.ts';
import { solveLogisticRegression, type FitInfo, type ProbePrecision } from './solver.ts';
import type { LinearProbe, LinearWeights } from './types.ts';

export { lossAndGradient, ORT_MIN_WORK, type ProbeKernel } from './objective.ts';
export { jsGemm, type Gemm } from './dense.ts';
export { rowSpaceBasis } from './row-space.ts';
export type { FitInfo, ProbePrecision } from './solver.ts';

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
   * validation score and the C chosen. Default false: the dense graph. Mixed-precision fits use it always
   * (solver.ts): they follow no outside path to the bit.
   */
  staircase?: boolean;
  /** Called after every L-BFGS iteration (progress reporting). */
  onIteration?: (iteration: number) => void;
  /**
   * Loss/gradient kernel: 'onnxruntime' (GEMMs on onnxruntime's CPU provider, the fast path for large
   * problems), 'js' (float64), or 'auto' (default): onnxruntime when the problem has at least
   * ORT_MIN_WORK multiply-adds per product and the binding loads, else JS.
   */
  kernel?: ProbeKernel | 'auto';
  /** 'float64' (default) or 'mixed': float32 products then a float64 polish (see solver.ts). */
  precision?: ProbePrecision;
  /** onnxruntime intra-op threads (default: the machine's available parallelism). */
  threads?: number;
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
  readonly precision: ProbePrecision;
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
    this.precision = options.precision ?? 'float64';
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
      this.info = { iterations: 0, evaluations: 0, stop: 'gtol', objective: 0, rank: 0, basis: 'none', kernel: 'js', float32Iterations: 0 };
      return this;
    }

    let init: { W: Float64Array; b: Float64Array } | undefined;
    if (this.init) {
      const w = this.init;
      if (w.numFeatures !== d || w.numClasses !== numClasses)
        throw new Error(`LogisticRegressionProbe: warm start has shape [${w.numClasses}, ${w.numFeatures}], expected [${numClasses}, ${d}]`);
      init = { W: new Float64Array(m * d), b: new Float64Array(m) };
      for (let j = 0; j < m; j++) {
        init.W.set(w.coef.subarray(present[j] * d, (present[j] + 1) * d), j * d);
        const b = w.intercept[present[j]];
        init.b[j] = Number.isFinite(b) ? b : 0;
      }
    }

    const { W, b, info } = solveLogisticRegression(X, yc, n, d, m, {
      C: this.C,
      maxIter: this.maxIter,
      tol: this.tol,
      ftol: this.ftol,
      init,
      reduceToRowSpace: this.reduceToRowSpace,
      staircase: this.staircase,
      kernel: this.kernel,
      precision: this.precision,
      threads: this.threads,
      onIteration: this.onIteration,
    });
    for (let j = 0; j < m; j++) {
      const k = present[j];
      coef.set(W.subarray(j * d, (j + 1) * d), k * d);
      intercept[k] = b[j];
    }
    this.fitted = { numClasses, numFeatures: d, coef, intercept };
    this.info = info;
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

function checkShapes(X: Float32Array, y: Int32Array, n: number, d: number, numClasses: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1)
    throw new Error(`linear probe: n and d must be positive integers, got n=${n}, d=${d}`);
  if (X.length !== n * d) throw new Error(`linear probe: features have ${X.length} values, expected n·d = ${n}·${d}`);
  if (y.length !== n) throw new Error(`linear probe: ${y.length} labels for ${n} examples`);
  for (let i = 0; i < n; i++)
    if (!(y[i] >= 0 && y[i] < numClasses)) throw new Error(`linear probe: label ${y[i]} at row ${i} is outside 0..${numClasses - 1}`);
}
