/**
 * One multinomial logistic-regression fit: the training rows (reduced to their span when n < d), the
 * objective's kernel and precision, L-BFGS with sklearn's stopping rule, and the weights back in the
 * original coordinates. The probe object (logistic-regression.ts) wraps this with sklearn's estimator
 * shape; the C search (sweep.ts) calls the probe.
 */
import { CompactHistory } from './compact-history.ts';
import { minimizeLbfgs, type LbfgsStop } from './lbfgs.ts';
import { dotRows, gemmFor } from './dense.ts';
import { bindObjective, resolveKernel, type Objective, type ProbeKernel } from './objective.ts';
import { cachedFloat64, cachedRowSpace } from './row-space.ts';
import { STAIRCASE_MIN_ROWS } from './ort-objective.ts';

/**
 * How a fit's products are computed. 'float64': every evaluation in float64 (the reference path).
 * 'mixed': float32 products until sklearn's stopping rule holds (or float32 rounding stalls the line
 * search), then a float64 polish from there under the same rule, so the fit ends where a float64 fit
 * would stop. Only the onnxruntime kernel has a float32 path; JS fits are float64 either way.
 */
export type ProbePrecision = 'float64' | 'mixed';

export interface SolveOptions {
  C: number;
  maxIter: number;
  tol: number;
  ftol?: number;
  /** Starting point [W (m × d) row-major, b (m)] in the original coordinates, or zeros. */
  init?: { W: Float64Array; b: Float64Array };
  reduceToRowSpace: boolean;
  staircase: boolean;
  kernel: ProbeKernel | 'auto';
  precision: ProbePrecision;
  threads: number;
  /**
   * Fixed per-row logit offsets [n, m] (row-major, rows as in X): the model is z_i = W x_i + b + offsets_i.
   * The zero-shot-anchored probe solves for V = W − s·W_zs with offsets s·W_zs·x_i. Starting from W = 0 the
   * gradient still lies in the rows' span, so the row-space reduction stays exact.
   */
  offsets?: Float64Array;
  /** L-BFGS line search (default scipy L-BFGS-B's; 'nocedal-wright' keeps the earlier one reachable for comparisons). */
  lineSearch?: 'more-thuente' | 'nocedal-wright';
  onIteration?: (iteration: number) => void;
}

/** How a fit ended. */
export interface FitInfo {
  iterations: number;
  evaluations: number;
  stop: LbfgsStop;
  objective: number;
  /** Dimension actually optimised per class (≤ d; the training rows' rank when reduced). */
  rank: number;
  /** The coordinates the fit ran in: the rows' span (n < d), that basis rotating all d (n ≥ d, mixed), or the original ones. */
  basis: 'row-space' | 'rotated' | 'none';
  /** Which loss/gradient kernel ran. */
  kernel: ProbeKernel;
  /** Iterations made with float32 products (0 for float64 fits); the rest were float64. */
  float32Iterations: number;
}

/** Evaluations per line search in the float32 phase before the float64 polish takes over. */
const FLOAT32_MAX_LINE_SEARCH = 5;

/**
 * Minimises Σ_i CE(softmax(W x_i + b), y_i) + ‖W‖²/(2C) over W [m, d] and b [m] for labels y in 0..m−1.
 * Returns W and b in the original coordinates.
 */
export function solveLogisticRegression(X: Float32Array, y: Int32Array, n: number, d: number, m: number, o: SolveOptions): { W: Float64Array; b: Float64Array; info: FitInfo } {
  // n < d: the rows' span, an exact reduction. n ≥ d on the mixed onnxruntime path (the train + val
  // refit): the same Gram–Schmidt basis is then a rotation of all d coordinates, kept for the staircase
  // it gives the rows (the first d rows' coordinates are a lower triangle: about a third fewer products).
  const rotate = o.precision === 'mixed' && n >= d && n >= STAIRCASE_MIN_ROWS && resolveKernel(o.kernel, n, d, m) === 'onnxruntime';
  const basis = o.reduceToRowSpace && (n < d || rotate) ? cachedRowSpace(X, n, d, o.threads) : undefined;
  const r = basis ? basis.rank : d;
  const Xr0 = basis ? basis.Xr : cachedFloat64(X);
  // mixed: centred rows, logits W(x − μ) + b′ with b′ = b + Wμ: the same model and optimum (b is not
  // penalised), but the mean every CLIP feature shares no longer couples W with b, which makes the
  // problem far better conditioned for L-BFGS. float64 keeps the plain parametrisation (sklearn's).
  // The rows themselves stay uncentred (so the row-space staircase stays): see `centredObjective`.
  const mu = o.precision === 'mixed' ? cachedMean(Xr0, n, r) : undefined;

  // Parameters: [W (m × r) row-major, b (m)] (b′ when centred).
  const x0 = new Float64Array(m * r + m);
  if (o.init) {
    // W₀ in the basis: W₀ Qᵀ ([m, d] × [r, d]ᵀ), one product (m·r·d multiply-adds: 1.1·10⁹ at quickdraw 4-shot).
    x0.set(basis ? gemmFor(m * r * d, o.threads)(o.init.W, basis.Q, m, r, d, true) : o.init.W.subarray(0, m * d));
    for (let j = 0; j < m; j++) x0[m * r + j] = o.init.b[j] + (mu ? dotRows(x0, j * r, mu, 0, r) : 0);
  }

  const tol = o.tol;
  const sqrtD = Math.sqrt(d);
  // sklearn's test is max |∇f| in the original coordinates; a rotation preserves row 2-norms, which
  // bound the max from both sides (max ≤ ‖·‖₂ ≤ √d·max), so the exact test is needed only in between.
  // Centred: ∇_W f = ∇_W g + ∇_b′ g · μᵀ in the plain parametrisation the test is defined in (read on the
  // fly, row by row).
  const gradientConverged = (g: Float64Array): boolean => {
    for (let j = 0; j < m; j++) if (Math.abs(g[m * r + j]) > tol) return false;
    const between: number[] = [];
    for (let j = 0; j < m; j++) {
      const gb = mu ? g[m * r + j] : 0;
      let ss = 0;
      let max = 0;
      for (let a = 0; a < r; a++) {
        const v = mu ? g[j * r + a] + gb * mu[a] : g[j * r + a];
        ss += v * v;
        if (Math.abs(v) > max) max = Math.abs(v);
      }
      if (!basis) {
        if (max > tol) return false;
        continue;
      }
      const norm = Math.sqrt(ss);
      if (norm > tol * sqrtD) return false;
      if (norm > tol) between.push(j);
    }
    return !basis || rowsWithinTol(g, between, mu, m, basis.Q, r, d, tol, o.threads);
  };

  const kernel = resolveKernel(o.kernel, n, r, m);
  if (o.offsets && o.offsets.length !== n * m) throw new RangeError(`offsets: ${o.offsets.length} values for ${n} rows × ${m} classes`);
  // mixed fits always use the staircase: it is the speed path, with no outside path to follow to the bit.
  const spec = { X: Xr0, y, n, d: r, m, C: o.C, kernel, threads: o.threads, rankAfter: basis && (o.staircase || mu) ? basis.rankAfter : undefined, offsets: o.offsets };
  const bind = (precision: 'float64' | 'float32') => {
    const f = bindObjective({ ...spec, precision }).objective;
    return mu ? centredObjective(f, mu, m, r) : f;
  };
  const lbfgs = { gradTol: tol, ftol: o.ftol, gradientConverged, lineSearch: o.lineSearch };
  let start: Float64Array = x0;
  let done = 0;
  let evaluations = 0;
  let float32Iterations = 0;
  // mixed on onnxruntime: the curvature pairs stay in float32, compact form (compact-history.ts), through
  // both phases: the polish's products are float64, its quasi-Newton directions need not be.
  const compact = o.precision === 'mixed' && kernel === 'onnxruntime' ? new CompactHistory(m * r + m) : undefined;
  if (compact) {
    const fast = bind('float32');
    // A line search that needs more than a few evaluations is usually lost in float32 rounding (the
    // decrease it looks for is below the loss's float32 noise): hand over to float64 instead of spending 20.
    const res = minimizeLbfgs(fast, start, { ...lbfgs, compact, maxIter: o.maxIter, maxLineSearch: FLOAT32_MAX_LINE_SEARCH, stopOnFailedSearch: true, onIteration: o.onIteration });
    start = res.x;
    done = float32Iterations = res.iterations;
    evaluations = res.evaluations;
  }
  // The float64 fit, or the polish: the same stopping rule, evaluated in float64, within what is left of maxIter.
  const exact = bind('float64');
  const res = minimizeLbfgs(exact, start, { ...lbfgs, compact, maxIter: o.maxIter - done, onIteration: o.onIteration && ((i) => o.onIteration!(done + i)) });

  // Back to the original coordinates: W = W_r · Q ([m, r] × [r, d]), as one product.
  const W = basis ? gemmFor(m * r * d, o.threads)(res.x, basis.Q, m, d, r, false) : res.x.slice(0, m * d);
  const b = res.x.slice(m * r, m * r + m);
  if (mu) for (let j = 0; j < m; j++) b[j] -= dotRows(res.x, j * r, mu, 0, r);
  const info: FitInfo = { iterations: done + res.iterations, evaluations: evaluations + res.evaluations, stop: res.stop, objective: res.f, rank: r, basis: !basis ? 'none' : n < d ? 'row-space' : 'rotated', kernel, float32Iterations };
  return { W, b, info };
}

/**
 * Whether rows `rows` of g [·, r] (basis coordinates; plus ∇_b′ · μᵀ when centred) are within tol in every original coordinate
 * (row · Q, Q [r, d]). The rows go through one product per batch, batches growing 4, 16, 64, … so an
 * unconverged gradient is usually rejected after a few rows and a converged one costs a few products
 * (at quickdraw's 345 × 1380 × 2404 the row-at-a-time JS loop took 2 s per converged test).
 */
export function rowsWithinTol(g: Float64Array, rows: number[], mu: Float64Array | undefined, m: number, Q: Float64Array, r: number, d: number, tol: number, threads: number): boolean {
  for (let s = 0, size = 4; s < rows.length; s += size, size *= 4) {
    const k = Math.min(size, rows.length - s);
    const G = new Float64Array(k * r);
    for (let t = 0; t < k; t++) {
      const j = rows[s + t];
      const gb = mu ? g[m * r + j] : 0;
      for (let a = 0; a < r; a++) G[t * r + a] = mu ? g[j * r + a] + gb * mu[a] : g[j * r + a];
    }
    const full = gemmFor(k * r * d, threads)(G, Q, k, d, r, false);
    for (let i = 0; i < full.length; i++) if (Math.abs(full[i]) > tol) return false;
  }
  return true;
}

/**
 * The objective in centred parameters (W, b′) with b = b′ − Wμ: f(W, b′) = F(W, b′ − Wμ) for the plain
 * objective F on uncentred rows, so ∇_W f = ∇_W F − ∇_b F · μᵀ and ∇_b′ f = ∇_b F. The same function as
 * F on centred rows, with O(m·r) extra work per evaluation instead of a centred copy of the rows, which
 * would fill the row-space staircase's zeros.
 */
export function centredObjective(F: Objective, mu: Float64Array, m: number, r: number): Objective {
  const bias = new Float64Array(m);
  return (p, g) => {
    // F sees p with b = b′ − Wμ in place of b′ (restored after): no copy of the m·r weights.
    for (let j = 0; j < m; j++) {
      bias[j] = p[m * r + j];
      p[m * r + j] = bias[j] - dotRows(p, j * r, mu, 0, r);
    }
    let v: number;
    try {
      v = F(p, g);
    } finally {
      p.set(bias, m * r);
    }
    for (let j = 0; j < m; j++) {
      const gb = g[m * r + j];
      if (gb !== 0) for (let a = 0; a < r; a++) g[j * r + a] -= gb * mu[a];
    }
    return v;
  };
}

/** The rows' mean; shared by the fits of a sweep like the row-space basis. */
const meanCache = new WeakMap<Float64Array, Float64Array>();

function cachedMean(X: Float64Array, n: number, r: number): Float64Array {
  let mu = meanCache.get(X);
  if (!mu) {
    mu = new Float64Array(r);
    for (let i = 0; i < n; i++) for (let a = 0; a < r; a++) mu[a] += X[i * r + a];
    for (let a = 0; a < r; a++) mu[a] /= n;
    meanCache.set(X, mu);
  }
  return mu;
}
