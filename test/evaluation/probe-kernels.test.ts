import { describe, expect, it } from 'vitest';
import { jsGemm, linearScores, LogisticRegressionProbe, lossAndGradient, rowSpaceBasis, type Gemm } from '../../src/evaluation/probe/logistic-regression.ts';
import { ortGemm } from '../../src/evaluation/probe/ort-native.ts';
import { ortAvailable, ortObjective, ortObjective32, ortStaircaseObjective } from '../../src/evaluation/probe/ort-objective.ts';
import { solveLogisticRegression } from '../../src/evaluation/probe/solver.ts';
import { Rng } from '../../src/util/rng.ts';

/** The objective written as its definition, loop by loop: the reference both fast kernels must equal. */
function referenceLossAndGradient(params: Float64Array, X: Float64Array, y: Int32Array, n: number, d: number, m: number, invC: number, grad: Float64Array, offsets?: Float64Array): number {
  const bOff = m * d;
  let loss = 0;
  for (let t = 0; t < bOff; t++) {
    grad[t] = params[t] * invC;
    loss += (0.5 * invC * params[t] * params[t]);
  }
  for (let k = 0; k < m; k++) grad[bOff + k] = 0;
  const z = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      let s = params[bOff + k] + (offsets ? offsets[i * m + k] : 0);
      for (let j = 0; j < d; j++) s += params[k * d + j] * X[i * d + j];
      z[k] = s;
    }
    const zmax = Math.max(...z);
    let sum = 0;
    for (let k = 0; k < m; k++) sum += Math.exp(z[k] - zmax);
    loss += zmax + Math.log(sum) - z[y[i]];
    for (let k = 0; k < m; k++) {
      const r = Math.exp(z[k] - zmax) / sum - (k === y[i] ? 1 : 0);
      grad[bOff + k] += r;
      for (let j = 0; j < d; j++) grad[k * d + j] += r * X[i * d + j];
    }
  }
  return loss;
}

function randomProblem(seed: number, n: number, d: number, m: number) {
  const rng = new Rng(seed);
  return {
    X: Float64Array.from({ length: n * d }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(m)),
    params: Float64Array.from({ length: m * d + m }, () => 0.3 * rng.normal()),
  };
}

function maxRelativeError(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / scale);
  return e;
}

// Shapes that exercise the blocked loops' remainders (m, n not multiples of 4) and many classes.
const SHAPES: [number, number, number][] = [
  [37, 13, 3],
  [101, 64, 10],
  [250, 33, 45],
];

describe('probe loss/gradient kernels', () => {
  it.each(SHAPES)('the JS kernel equals the reference objective and gradient (n=%i, d=%i, m=%i)', (n, d, m) => {
    const { X, y, params } = randomProblem(n + d + m, n, d, m);
    const gRef = new Float64Array(params.length);
    const gJs = new Float64Array(params.length);
    const fRef = referenceLossAndGradient(params, X, y, n, d, m, 1 / 0.3, gRef);
    const fJs = lossAndGradient(params, X, y, n, d, m, 1 / 0.3, new Float64Array(n * m), gJs);
    expect(Math.abs(fJs - fRef) / Math.abs(fRef)).toBeLessThan(1e-12);
    expect(maxRelativeError(gJs, gRef)).toBeLessThan(1e-12);
  });

  it.skipIf(!ortAvailable()).each(SHAPES)('the onnxruntime kernel equals the reference objective and gradient (n=%i, d=%i, m=%i)', (n, d, m) => {
    const { X, y, params } = randomProblem(7 * n + m, n, d, m);
    const gRef = new Float64Array(params.length);
    const gOrt = new Float64Array(params.length);
    const fRef = referenceLossAndGradient(params, X, y, n, d, m, 1 / 20, gRef);
    const fOrt = ortObjective(X, y, n, d, m, 1)(params, 1 / 20, gOrt);
    expect(Math.abs(fOrt - fRef) / Math.abs(fRef)).toBeLessThan(1e-9);
    expect(maxRelativeError(gOrt, gRef)).toBeLessThan(1e-9);
  });

  it('the onnxruntime kernel is available with the installed onnxruntime-node', () => {
    // If an upgrade moves the native binding, fits silently fall back to the slower JS kernel: fail here instead.
    expect(ortAvailable()).toBe(true);
  });

  it.each([1e-2, 1, 1e2])('fits with the onnxruntime and JS kernels predict the same classes at C = %s', (C) => {
    const rng = new Rng(11);
    const [n, d, K] = [400, 24, 6];
    const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
    const X = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % K;
      for (let j = 0; j < d; j++) X[i * d + j] = 0.4 * means[y[i]][j] + rng.normal();
    }
    const js = new LogisticRegressionProbe({ C, kernel: 'js' }).fit(X, y, n, d, K);
    const fast = new LogisticRegressionProbe({ C, kernel: 'onnxruntime', threads: 1 }).fit(X, y, n, d, K);
    expect(js.fitInfo().kernel).toBe('js');
    expect(fast.fitInfo().kernel).toBe('onnxruntime');
    expect(Math.abs(fast.fitInfo().objective - js.fitInfo().objective) / js.fitInfo().objective).toBeLessThan(1e-6);
    expect(Array.from(fast.predict(X, n))).toEqual(Array.from(js.predict(X, n)));
  });

  it('chooses the JS kernel for a small problem and onnxruntime for a large one', () => {
    const rng = new Rng(5);
    const make = (n: number, d: number) => ({
      X: Float32Array.from({ length: n * d }, () => rng.normal()),
      y: Int32Array.from({ length: n }, (_, i) => i % 3),
    });
    const small = make(30, 8);
    const large = make(2000, 64);
    expect(new LogisticRegressionProbe({ maxIter: 2 }).fit(small.X, small.y, 30, 8, 3).fitInfo().kernel).toBe('js');
    expect(new LogisticRegressionProbe({ maxIter: 2 }).fit(large.X, large.y, 2000, 64, 3).fitInfo().kernel).toBe('onnxruntime');
  });

  it.each([
    ['JS', jsGemm],
    ['onnxruntime', ((A, B, p, q, k, t, acc) => ortGemm(A, B, p, q, k, t, 1, acc)) as Gemm],
  ] as const)('the blocked row-space basis (%s products) is orthonormal, spans every row and skips dependent rows', (_, gemm) => {
    // 150 rows over three blocks, rank 100: rows 100.. are combinations of earlier rows (small integers,
    // so the combinations are exact in float32).
    const rng = new Rng(3);
    const [n, d, rank] = [150, 120, 100];
    const X = new Float32Array(n * d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) X[i * d + j] = i < rank ? rng.int(7) - 3 : X[(i - rank) * d + j] - 2 * X[(i - rank + 1) * d + j];
    const { Q, rank: r } = rowSpaceBasis(X, n, d, gemm);
    expect(r).toBe(rank);
    const QQt = jsGemm(Q, Q, r, r, d, true);
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) expect(Math.abs(QQt[a * r + b] - (a === b ? 1 : 0))).toBeLessThan(1e-12);
    // Each row equals its projection (X Qᵀ) Q.
    const X64 = Float64Array.from(X);
    const back = jsGemm(jsGemm(X64, Q, n, r, d, true), Q, n, d, r, false);
    for (let t = 0; t < n * d; t++) expect(Math.abs(back[t] - X64[t])).toBeLessThan(1e-9);
  });
});

describe('fixed per-row logit offsets (the zero-shot-anchored probe)', () => {
  const [n, d, m] = [101, 64, 10];
  const { X, y, params } = randomProblem(99, n, d, m);
  const offsets = Float64Array.from({ length: n * m }, (_, t) => 3 * Math.sin(t));
  const gRef = new Float64Array(params.length);
  const fRef = referenceLossAndGradient(params, X, y, n, d, m, 1 / 2, gRef, offsets);

  it('the JS kernel adds them to every logit', () => {
    const g = new Float64Array(params.length);
    const f = lossAndGradient(params, X, y, n, d, m, 1 / 2, new Float64Array(n * m), g, offsets);
    expect(Math.abs(f - fRef) / Math.abs(fRef)).toBeLessThan(1e-12);
    expect(maxRelativeError(g, gRef)).toBeLessThan(1e-12);
    const without = new Float64Array(params.length);
    expect(Math.abs(lossAndGradient(params, X, y, n, d, m, 1 / 2, new Float64Array(n * m), without) - fRef)).toBeGreaterThan(1);
  });

  it.skipIf(!ortAvailable())('the onnxruntime kernels (float64, float32) add them too', () => {
    const g = new Float64Array(params.length);
    const f = ortObjective(X, y, n, d, m, 1, offsets)(params, 1 / 2, g);
    expect(Math.abs(f - fRef) / Math.abs(fRef)).toBeLessThan(1e-9);
    expect(maxRelativeError(g, gRef)).toBeLessThan(1e-9);
    const g32 = new Float64Array(params.length);
    const f32 = ortObjective32(X, y, n, d, m, 1, offsets)(params, 1 / 2, g32);
    expect(Math.abs(f32 - fRef) / Math.abs(fRef)).toBeLessThan(1e-5);
    expect(maxRelativeError(g32, gRef)).toBeLessThan(1e-4);
  });

  it.skipIf(!ortAvailable())('a fit with offsets reaches the same optimum on either kernel, in the rows\' span or not', () => {
    const X32 = Float32Array.from(X);
    const base = { C: 2, maxIter: 5000, tol: 1e-9, ftol: 0, offsets, staircase: false, precision: 'float64' as const, threads: 1 };
    const js = solveLogisticRegression(X32, y, n, d, m, { ...base, kernel: 'js', reduceToRowSpace: false });
    const ort = solveLogisticRegression(X32, y, n, d, m, { ...base, kernel: 'onnxruntime', reduceToRowSpace: false });
    const narrow = solveLogisticRegression(X32.subarray(0, 40 * d), y.subarray(0, 40), 40, d, m, { ...base, offsets: offsets.subarray(0, 40 * m), kernel: 'js', reduceToRowSpace: true });
    const wide = solveLogisticRegression(X32.subarray(0, 40 * d), y.subarray(0, 40), 40, d, m, { ...base, offsets: offsets.subarray(0, 40 * m), kernel: 'js', reduceToRowSpace: false });
    expect(maxRelativeError(ort.W, js.W)).toBeLessThan(1e-6);
    expect(narrow.info.rank).toBe(40);
    expect(maxRelativeError(narrow.W, wide.W)).toBeLessThan(1e-6);
    expect(() => solveLogisticRegression(X32, y, n, d, m, { ...base, kernel: 'js', reduceToRowSpace: false, offsets: offsets.subarray(1) })).toThrow(/offsets/);
  });

  it.skipIf(!ortAvailable())('the row-space staircase graph adds them too: the dense kernel\'s loss and gradient', () => {
    const [rows, dd, mm] = [300, 400, 7];
    const rng = new Rng(31);
    const Xs = Float32Array.from({ length: rows * dd }, () => rng.normal());
    const ys = Int32Array.from({ length: rows }, () => rng.int(mm));
    const basis = rowSpaceBasis(Xs, rows, dd);
    const r = basis.rank;
    const Xr = ortGemm(Float64Array.from(Xs), basis.Q, rows, r, dd, true, 1);
    const O = Float64Array.from({ length: rows * mm }, (_, t) => Math.cos(t));
    const p = Float64Array.from({ length: mm * r + mm }, () => 0.05 * rng.normal());
    const gDense = new Float64Array(p.length);
    const gStair = new Float64Array(p.length);
    const fDense = ortObjective(Xr, ys, rows, r, mm, 1, O)(p, 0.5, gDense);
    const fStair = ortStaircaseObjective(Xr, basis.rankAfter, ys, rows, r, mm, 1, O)(p, 0.5, gStair);
    expect(Math.abs(fStair - fDense) / Math.abs(fDense)).toBeLessThan(1e-10);
    expect(maxRelativeError(gStair, gDense)).toBeLessThan(1e-8);
    const gPlain = new Float64Array(p.length);
    expect(Math.abs(ortStaircaseObjective(Xr, basis.rankAfter, ys, rows, r, mm, 1)(p, 0.5, gPlain) - fDense)).toBeGreaterThan(1);
  });
});

describe('large products of a fitted probe on onnxruntime', () => {
  it('scores a 345-class head on a few thousand rows as the per-row dot products do, absent classes −∞', () => {
    // 1100 × 48 × 345 multiply-adds: past the onnxruntime threshold, and two row blocks (1024 + 76).
    const rng = new Rng(11);
    const [n, d, K] = [1100, 48, 345];
    const X = Float32Array.from({ length: n * d }, () => rng.normal());
    const coef = Float64Array.from({ length: K * d }, () => rng.normal());
    const intercept = Float64Array.from({ length: K }, (_, k) => (k === 7 ? -Infinity : rng.normal()));
    const scores = linearScores({ numClasses: K, numFeatures: d, coef, intercept }, X, n);
    let worst = 0;
    for (const i of [0, 1023, 1024, 1099]) {
      for (let k = 0; k < K; k++) {
        if (k === 7) {
          expect(scores[i * K + k]).toBe(-Infinity);
          continue;
        }
        let z = intercept[k];
        for (let j = 0; j < d; j++) z += coef[k * d + j] * X[i * d + j];
        worst = Math.max(worst, Math.abs(scores[i * K + k] - z) / Math.max(1, Math.abs(z)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('maps row-space weights back with one product: the same model as solving in the full space', () => {
    // n < d and m·r·d = 40 × 80 × 1500 = 4.8M multiply-adds: the back-projection runs on onnxruntime.
    const rng = new Rng(12);
    const [n, d, K] = [80, 1500, 40];
    const y = Int32Array.from({ length: n }, (_, i) => i % K);
    const X = Float32Array.from({ length: n * d }, (_, t) => rng.normal() + (t % d === y[Math.floor(t / d)] ? 3 : 0));
    const reduced = new LogisticRegressionProbe({ C: 1, tol: 1e-8, threads: 1 }).fit(X, y, n, d, K);
    const full = new LogisticRegressionProbe({ C: 1, tol: 1e-8, threads: 1, reduceToRowSpace: false }).fit(X, y, n, d, K);
    expect(reduced.fitInfo().rank).toBe(n);
    const a = reduced.weights().coef;
    const b = full.weights().coef;
    let worst = 0;
    for (let t = 0; t < a.length; t++) worst = Math.max(worst, Math.abs(a[t] - b[t]));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('row-space objective on the staircase', () => {
  // 300 rows in 400 dims with row 40 a copy of row 3 (a dependent row: the rank stops growing there).
  const rng = new Rng(13);
  const [n, d, m] = [300, 400, 12];
  const X = Float32Array.from({ length: n * d }, () => rng.normal());
  X.copyWithin(40 * d, 3 * d, 4 * d);
  const y = Int32Array.from({ length: n }, (_, i) => i % m);
  const gemm: Gemm = (A, B, p, q, k, t, acc) => ortGemm(A, B, p, q, k, t, 1, acc);
  const { Q, rank, rankAfter } = rowSpaceBasis(X, n, d, gemm);
  const Xr = ortGemm(Float64Array.from(X), Q, n, rank, d, true, 1);

  it('records after each row how many basis rows span it; coordinates past that are zero up to rounding', () => {
    expect(rank).toBe(n - 1);
    expect([rankAfter[0], rankAfter[39], rankAfter[40], rankAfter[41], rankAfter[n - 1]]).toEqual([1, 40, 40, 41, n - 1]);
    let beyond = 0;
    for (let i = 0; i < n; i++) for (let a = rankAfter[i]; a < rank; a++) beyond = Math.max(beyond, Math.abs(Xr[i * rank + a]));
    expect(beyond).toBeLessThan(1e-12);
  });

  it('gives the dense kernel\'s loss and gradient, skipping the zero part of both products', () => {
    const params = Float64Array.from({ length: m * rank + m }, () => 0.2 * rng.normal());
    const dense = new Float64Array(params.length);
    const stair = new Float64Array(params.length);
    const f0 = ortObjective(Xr, y, n, rank, m, 1)(params, 0.1, dense);
    const f1 = ortStaircaseObjective(Xr, rankAfter, y, n, rank, m, 1)(params, 0.1, stair);
    expect(Math.abs(f1 - f0) / Math.abs(f0)).toBeLessThan(1e-12);
    expect(maxRelativeError(stair, dense)).toBeLessThan(1e-12);
  });

  it('a probe fitted on it is the model solved in the full space', () => {
    const Xs = Float32Array.from(X, (v, t) => v + (t % d === y[Math.floor(t / d)] ? 2 : 0));
    const reduced = new LogisticRegressionProbe({ C: 1, tol: 1e-8, threads: 1, staircase: true }).fit(Xs, y, n, d, m);
    const full = new LogisticRegressionProbe({ C: 1, tol: 1e-8, threads: 1, reduceToRowSpace: false }).fit(Xs, y, n, d, m);
    expect(reduced.fitInfo()).toMatchObject({ rank: n, kernel: 'onnxruntime' });
    const a = reduced.weights().coef;
    const b = full.weights().coef;
    let worst = 0;
    for (let t = 0; t < a.length; t++) worst = Math.max(worst, Math.abs(a[t] - b[t]));
    expect(worst).toBeLessThan(1e-5);
  });
});
