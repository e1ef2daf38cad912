/**
 * One multinomial logistic-regression fit: the training rows (reduced to their span when n < d), the
 * objective's kernel and precision, L-BFGS with sklearn's stopping rule, and the weights back in the
 * original coordinates. The probe object (logistic-regression.ts) wraps this with sklearn's estimator
 * shape; the C search (sweep.ts) calls the probe.
 */
import { minimizeLbfgs, type LbfgsStop } from './lbfgs.ts';
import { axpyFrom, dotRows, gemmFor } from './dense.ts';
import { bindObjective, resolveKernel, type ProbeKernel } from './objective.ts';
import { cachedFloat64, cachedRowSpace } from './row-space.ts';

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
  /** Which loss/gradient kernel ran. */
  kernel: ProbeKernel;
  /** Iterations made with float32 products (0 for float64 fits); the rest were float64. */
  float32Iterations: number;
}

/**
 * Minimises Σ_i CE(softmax(W x_i + b), y_i) + ‖W‖²/(2C) over W [m, d] and b [m] for labels y in 0..m−1.
 * Returns W and b in the original coordinates.
 */
export function solveLogisticRegression(X: Float32Array, y: Int32Array, n: number, d: number, m: number, o: SolveOptions): { W: Float64Array; b: Float64Array; info: FitInfo } {
  const basis = o.reduceToRowSpace && n < d ? cachedRowSpace(X, n, d, o.threads) : undefined;
  const r = basis ? basis.rank : d;
  const Xr = basis ? basis.Xr : cachedFloat64(X);

  // Parameters: [W (m × r) row-major, b (m)].
  const x0 = new Float64Array(m * r + m);
  if (o.init) {
    for (let j = 0; j < m; j++) {
      const dst = x0.subarray(j * r, (j + 1) * r);
      if (basis) for (let a = 0; a < r; a++) dst[a] = dotRows(basis.Q, a * d, o.init.W, j * d, d);
      else dst.set(o.init.W.subarray(j * d, (j + 1) * d));
      x0[m * r + j] = o.init.b[j];
    }
  }

  const tol = o.tol;
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

  const kernel = resolveKernel(o.kernel, n, r, m);
  const spec = { X: Xr, y, n, d: r, m, C: o.C, kernel, threads: o.threads, rankAfter: basis && o.staircase ? basis.rankAfter : undefined };
  const lbfgs = { gradTol: tol, ftol: o.ftol, gradientConverged };
  let start = x0;
  let done = 0;
  let evaluations = 0;
  let float32Iterations = 0;
  if (o.precision === 'mixed' && kernel === 'onnxruntime') {
    const fast = bindObjective({ ...spec, precision: 'float32' });
    const res = minimizeLbfgs(fast.objective, start, { ...lbfgs, maxIter: o.maxIter, onIteration: o.onIteration });
    start = res.x;
    done = float32Iterations = res.iterations;
    evaluations = res.evaluations;
  }
  // The float64 fit, or the polish: the same stopping rule, evaluated in float64, within what is left of maxIter.
  const exact = bindObjective({ ...spec, precision: 'float64' });
  const res = minimizeLbfgs(exact.objective, start, { ...lbfgs, maxIter: o.maxIter - done, onIteration: o.onIteration && ((i) => o.onIteration!(done + i)) });

  // Back to the original coordinates: W = W_r · Q ([m, r] × [r, d]), as one product.
  const W = basis ? gemmFor(m * r * d, o.threads)(res.x, basis.Q, m, d, r, false) : res.x.slice(0, m * d);
  const b = res.x.slice(m * r, m * r + m);
  const info: FitInfo = { iterations: done + res.iterations, evaluations: evaluations + res.evaluations, stop: res.stop, objective: res.f, rank: r, kernel, float32Iterations };
  return { W, b, info };
}
