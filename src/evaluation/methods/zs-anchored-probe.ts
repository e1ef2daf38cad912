/**
 * The zero-shot-anchored probe: multinomial logistic regression whose L2 penalty pulls W towards the
 * zero-shot head instead of towards zero,
 *   minimise  C·Σ_i CE(y_i, W·f_i + b) + ½‖W − s·W_zs‖²,   bias unpenalised,
 * started at W = s·W_zs, b = 0. With V = W − s·W_zs this is the ordinary L2 probe with fixed per-row logit
 * offsets s·W_zs·f_i, which is how it is solved here: L-BFGS on (V, b) from V = 0, the objective divided by
 * C as the project's probe (and sklearn) hand it to L-BFGS, so gtol means the same. C is chosen by the
 * same CLIP A.3 / CoOp search as the linear probe (sweepC: grid, then bisection on validation), and the
 * probe is refit on train + val at that C. As C → 0, W returns to s·W_zs (V → 0) and only the bias
 * still fits the rows; every class keeps its zero-shot row, so classes absent from a draw stay predictable.
 */
import { minimizeLbfgs } from '../probe/lbfgs.ts';
import { cachedRowSpace } from '../probe/row-space.ts';
import { axpyFrom, gemmFor } from '../probe/dense.ts';
import { FLOAT64_THREADS } from '../probe/ort-native.ts';
import { concatProbeData, sweepC, type LinearProbe, type LinearWeights } from '../probe/index.ts';
import { FIXED_C } from '../linear-probe.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { argmaxRow, crossEntropyResidual, productsTAuto } from './linalg.ts';
import { linearScores, softmaxRows } from '../probe/logistic-regression.ts';
import { linearHead } from './head.ts';
import { transpose } from '../similarity.ts';

/** A LinearProbe (the sweep's estimator shape) whose weights are anchored at `anchor` (= s·W_zs, [K, d]). */
export class AnchoredProbe implements LinearProbe {
  private fitted: LinearWeights | undefined;
  constructor(
    readonly C: number,
    readonly anchor: Float64Array,
    readonly maxIter = 1000,
    readonly tol = 1e-4,
  ) {}

  fit(X: Float32Array, y: Int32Array, n: number, d: number, K: number): this {
    const { C, anchor } = this;
    const offsets = productsTAuto(X, n, anchor, K, d);
    // V's gradient Gᵀ·X + V/C stays in the span of the rows from V = 0: with n < d the fit runs in an
    // orthonormal basis Q of that span (the probe's own, shared by the fits of a sweep), V = U·Q, exactly
    // the same problem with r ≤ n coordinates per class; convergence is still tested in the original ones.
    const basis = n < d ? cachedRowSpace(X, n, d, FLOAT64_THREADS) : undefined;
    const r = basis ? basis.rank : d;
    const Xr = basis ? basis.Xr : Float64Array.from(X);
    const XrT = transpose(Xr, n, r, new Float64Array(n * r));
    const GT = new Float64Array(K * n);
    const nV = K * r;
    const Z = new Float64Array(n * K);
    const gV = new Float64Array(nV);
    const objective = (x: Float64Array, grad: Float64Array) => {
      Z.set(productsTAuto(Xr, n, x.slice(0, nV), K, r));
      for (let i = 0; i < n; i++) for (let c = 0; c < K; c++) Z[i * K + c] += offsets[i * K + c] + x[nV + c];
      let f = crossEntropyResidual(Z, y, n, K, 'sum');
      transpose(Z, n, K, GT);
      gV.set(productsTAuto(GT, K, XrT, r, n));
      for (let t = 0; t < nV; t++) {
        f += (x[t] * x[t]) / (2 * C);
        grad[t] = gV[t] + x[t] / C;
      }
      for (let c = 0; c < K; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Z[i * K + c];
        grad[nV + c] = s;
      }
      return f;
    };
    const gradientConverged = basis ? maxAbsInBasis(basis.Q, K, r, d, this.tol) : undefined;
    const res = minimizeLbfgs(objective, new Float64Array(nV + K), { maxIter: this.maxIter, gradTol: this.tol, gradientConverged });
    const V = basis ? gemmFor(K * r * d, FLOAT64_THREADS)(res.x, basis.Q, K, d, r, false) : res.x;
    const coef = Float64Array.from(anchor, (a, t) => a + V[t]);
    this.fitted = { numClasses: K, numFeatures: d, coef, intercept: Float64Array.from(res.x.subarray(nV)) };
    return this;
  }

  weights(): LinearWeights {
    if (!this.fitted) throw new Error('AnchoredProbe: not fitted');
    return this.fitted;
  }

  decisionFunction(X: Float32Array, n: number): Float32Array {
    return linearScores(this.weights(), X, n);
  }

  predictProba(X: Float32Array, n: number): Float32Array {
    return softmaxRows(this.decisionFunction(X, n), n, this.weights().numClasses);
  }

  predict(X: Float32Array, n: number): Int32Array {
    const K = this.weights().numClasses;
    const s = this.decisionFunction(X, n);
    return Int32Array.from({ length: n }, (_, i) => argmaxRow(s, i * K, K));
  }
}

/**
 * sklearn's stopping test, max |∇f| ≤ tol, for a gradient whose class rows live in the basis Q [r, d]: a
 * rotation keeps each row's 2-norm, which bounds its max (max ≤ ‖·‖₂ ≤ √d·max), so a row is expanded to
 * the original coordinates only when its norm falls in between (the probe's solver tests it the same way).
 */
function maxAbsInBasis(Q: Float64Array, K: number, r: number, d: number, tol: number): (g: Float64Array) => boolean {
  const full = new Float64Array(d);
  return (g) => {
    for (let c = 0; c < K; c++) if (Math.abs(g[K * r + c]) > tol) return false;
    for (let c = 0; c < K; c++) {
      let ss = 0;
      for (let a = 0; a < r; a++) ss += g[c * r + a] * g[c * r + a];
      const norm = Math.sqrt(ss);
      if (norm <= tol) continue;
      if (norm > tol * Math.sqrt(d)) return false;
      full.fill(0);
      for (let a = 0; a < r; a++) axpyFrom(full, g[c * r + a], Q, a * d, d);
      for (let t = 0; t < d; t++) if (Math.abs(full[t]) > tol) return false;
    }
    return true;
  };
}

export const zsAnchoredProbe: FewShotMethod = {
  fit(ctx): FittedMethod {
    const { train, val, d, numClasses: K, settings } = ctx;
    const anchor = Float64Array.from(ctx.zeroShot.W, (v) => ctx.zeroShot.scale * v);
    const makeProbe = (C: number) => new AnchoredProbe(C, anchor, settings.maxIter);
    let C = FIXED_C;
    if (val.n > 0) C = sweepC(train, val, { d, numClasses: K, makeProbe, grid: settings.grid, steps: settings.refineSteps }).C;
    const all = val.n > 0 ? concatProbeData(train, val, d) : train;
    const linear = makeProbe(C).fit(all.X, all.y, all.n, d, K).weights();
    return {
      head: linearHead(linear),
      hyperparameters: { C },
      selection: val.n > 0 ? 'validation' : 'fixed',
      ...(val.n > 0 ? {} : { note: `no validation rows: C fixed at ${FIXED_C}` }),
    };
  },
};
