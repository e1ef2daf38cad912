/**
 * The zero-shot-anchored probe: multinomial logistic regression whose L2 penalty pulls W towards the
 * zero-shot head instead of towards zero,
 *   minimise  C·Σ_i CE(y_i, W·f_i + b) + ½‖W − s·W_zs‖²,   bias unpenalised,
 * started at W = s·W_zs, b = 0. With V = W − s·W_zs this is the ordinary L2 probe with fixed per-row logit
 * offsets s·W_zs·f_i, which is how it is solved here: by the linear probe's own solver (solver.ts `offsets`:
 * row-space reduction, the onnxruntime kernel, scipy's line search, sklearn's stopping test) on (V, b) from
 * V = 0, the objective divided by C as sklearn hands it to L-BFGS, so gtol means the same; in the probe's
 * precision (--probe-precision: float64 by default). C is chosen by the
 * same CLIP A.3 / CoOp search as the linear probe (sweepC: grid, then bisection on validation), and the
 * probe is refit on train + val at that C. As C → 0, W returns to s·W_zs (V → 0) and only the bias
 * still fits the rows; every class keeps its zero-shot row, so classes absent from a draw stay predictable.
 */
import { solveLogisticRegression, type ProbePrecision } from '../probe/solver.ts';
import { concatProbeData, sweepC, type LinearProbe, type LinearWeights } from '../probe/index.ts';
import { FIXED_C, fitPrecision, probeFitMode } from '../linear-probe.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { argmaxRow, productsTAuto } from './linalg.ts';
import { linearScores, softmaxRows } from '../probe/logistic-regression.ts';
import { linearHead } from './head.ts';

/** A LinearProbe (the sweep's estimator shape) whose weights are anchored at `anchor` (= s·W_zs, [K, d]). */
export class AnchoredProbe implements LinearProbe {
  private fitted: LinearWeights | undefined;
  constructor(
    readonly C: number,
    readonly anchor: Float64Array,
    readonly maxIter = 1000,
    readonly tol = 1e-4,
    readonly precision: ProbePrecision = 'float64',
    readonly threads = 1,
    /** The anchor's logits per training set, shared by the fits of one search (they all see the same rows). */
    readonly offsetsCache: WeakMap<Float32Array, Float64Array> = new WeakMap(),
  ) {}

  fit(X: Float32Array, y: Int32Array, n: number, d: number, K: number): this {
    // The probe's own solver (row space, onnxruntime kernel, line search, sklearn's stopping test) on V with
    // the anchor's logits as fixed per-row offsets. Every class stays in the softmax, seen in the rows or
    // not: its anchored row still competes.
    let offsets = this.offsetsCache.get(X);
    if (!offsets) {
      offsets = productsTAuto(X, n, this.anchor, K, d);
      this.offsetsCache.set(X, offsets);
    }
    const { W: V, b } = solveLogisticRegression(X, y, n, d, K, {
      C: this.C,
      maxIter: this.maxIter,
      tol: this.tol,
      offsets,
      reduceToRowSpace: true,
      // The row-space staircase graph (1.4× per evaluation): the same function to rounding. The linear probe
      // keeps the dense graph to follow scikit-learn's iterates; this method has no outside path to follow.
      staircase: true,
      kernel: 'auto',
      precision: this.precision,
      threads: this.threads,
    });
    const coef = Float64Array.from(this.anchor, (a, t) => a + V[t]);
    this.fitted = { numClasses: K, numFeatures: d, coef, intercept: b };
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

export const zsAnchoredProbe: FewShotMethod = {
  fit(ctx): FittedMethod {
    const { train, val, d, numClasses: K, settings } = ctx;
    const anchor = Float64Array.from(ctx.zeroShot.W, (v) => ctx.zeroShot.scale * v);
    const offsetsCache = new WeakMap<Float32Array, Float64Array>();
    const mode = probeFitMode(settings);
    const precision = fitPrecision(mode.precision, train.n, d, K);
    const makeProbe = (C: number) => new AnchoredProbe(C, anchor, settings.maxIter, 1e-4, precision, settings.threads ?? 1, offsetsCache);
    let C = FIXED_C;
    if (val.n > 0) C = sweepC(train, val, { d, numClasses: K, makeProbe, grid: settings.grid, steps: mode.refineSteps }).C;
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
