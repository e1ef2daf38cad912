import { describe, expect, it } from 'vitest';
import { LogisticRegressionProbe, lossAndGradient, rowSpaceBasis } from '../../src/evaluation/probe/logistic-regression.ts';
import { Rng } from '../../src/util/rng.ts';

function gaussianClusters(seed: number, n: number, d: number, K: number, spread: number): { X: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
  const X = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % K;
    for (let j = 0; j < d; j++) X[i * d + j] = means[y[i]][j] + spread * rng.normal();
  }
  return { X, y };
}

describe('multinomial logistic regression', () => {
  it('has an analytic gradient that matches central finite differences', () => {
    const rng = new Rng(7);
    const [n, d, m] = [20, 7, 4];
    const X = Float64Array.from({ length: n * d }, () => rng.normal());
    const y = Int32Array.from({ length: n }, () => rng.int(m));
    const params = Float64Array.from({ length: m * d + m }, () => 0.5 * rng.normal());
    const invC = 1 / 0.7;
    const logits = new Float64Array(n * m);
    const grad = new Float64Array(params.length);
    lossAndGradient(params, X, y, n, d, m, invC, logits, grad);
    const scratch = new Float64Array(params.length);
    const h = 1e-6;
    for (let t = 0; t < params.length; t++) {
      const p = Float64Array.from(params);
      p[t] += h;
      const fp = lossAndGradient(p, X, y, n, d, m, invC, logits, scratch);
      p[t] -= 2 * h;
      const fm = lossAndGradient(p, X, y, n, d, m, invC, logits, scratch);
      expect(grad[t]).toBeCloseTo((fp - fm) / (2 * h), 5);
    }
  });

  it('matches the closed-form optimum of a symmetric 1-feature, 2-class problem', () => {
    // x = +1 for class 1 and −1 for class 0, five each. By symmetry w0 = −w1 and b = 0; with
    // u = w1 − w0 the stationarity condition is u = 4·C·m·a·σ(−u·a) (m = 5, a = 1). Choosing
    // u = ln 3 makes σ(−u) = 1/4, hence C = ln(3)/5 and P(class 1 | x = 1) = 3/4.
    const X = Float32Array.from([1, 1, 1, 1, 1, -1, -1, -1, -1, -1]);
    const y = Int32Array.from([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const C = Math.log(3) / 5;
    const probe = new LogisticRegressionProbe({ C, tol: 1e-10 }).fit(X, y, 10, 1, 2);
    const w = probe.weights();
    expect(w.coef[1] - w.coef[0]).toBeCloseTo(Math.log(3), 6);
    expect(w.coef[0]).toBeCloseTo(-w.coef[1], 8);
    expect(w.intercept[0]).toBeCloseTo(0, 8);
    expect(w.intercept[1]).toBeCloseTo(0, 8);
    const proba = probe.predictProba(Float32Array.from([1]), 1);
    expect(proba[1]).toBeCloseTo(0.75, 6);
  });

  it('fits separable data perfectly when regularisation is weak', () => {
    const { X, y } = gaussianClusters(3, 60, 8, 3, 0.1);
    const probe = new LogisticRegressionProbe({ C: 1e4 }).fit(X, y, 60, 8, 3);
    expect(Array.from(probe.predict(X, 60))).toEqual(Array.from(y));
  });

  it('gives the same model whether or not it solves in the row space (n < d)', () => {
    const { X, y } = gaussianClusters(5, 12, 40, 4, 1);
    const a = new LogisticRegressionProbe({ C: 10, tol: 1e-8 }).fit(X, y, 12, 40, 4);
    const b = new LogisticRegressionProbe({ C: 10, tol: 1e-8, reduceToRowSpace: false }).fit(X, y, 12, 40, 4);
    expect(a.fitInfo().rank).toBe(12);
    expect(b.fitInfo().rank).toBe(40);
    const wa = a.weights();
    const wb = b.weights();
    for (let t = 0; t < wa.coef.length; t++) expect(wa.coef[t]).toBeCloseTo(wb.coef[t], 5);
    for (let k = 0; k < 4; k++) expect(wa.intercept[k]).toBeCloseTo(wb.intercept[k], 5);
  });

  it('builds an orthonormal basis that drops dependent rows', () => {
    // Row 2 = row 0 + row 1.
    const X = Float32Array.from([1, 2, 0, 0, 0, 1, 3, 0, 1, 3, 3, 0]);
    const { Q, rank } = rowSpaceBasis(X, 3, 4);
    expect(rank).toBe(2);
    const dotq = (a: number, b: number) => Q[a * 4] * Q[b * 4] + Q[a * 4 + 1] * Q[b * 4 + 1] + Q[a * 4 + 2] * Q[b * 4 + 2] + Q[a * 4 + 3] * Q[b * 4 + 3];
    expect(dotq(0, 0)).toBeCloseTo(1, 12);
    expect(dotq(1, 1)).toBeCloseTo(1, 12);
    expect(dotq(0, 1)).toBeCloseTo(0, 12);
  });

  it('warm-started from its own solution converges at once to the same model', () => {
    const { X, y } = gaussianClusters(9, 50, 6, 3, 1);
    const cold = new LogisticRegressionProbe({ C: 1 }).fit(X, y, 50, 6, 3);
    const warm = new LogisticRegressionProbe({ C: 1, init: cold.weights() }).fit(X, y, 50, 6, 3);
    expect(warm.fitInfo().iterations).toBeLessThanOrEqual(1);
    for (let t = 0; t < 18; t++) expect(warm.weights().coef[t]).toBeCloseTo(cold.weights().coef[t], 3);
  });

  it('never predicts a class absent from the training labels', () => {
    const X = Float32Array.from([0, 1, 2, 3]);
    const y = Int32Array.from([0, 0, 2, 2]);
    const probe = new LogisticRegressionProbe({ C: 1 }).fit(X, y, 4, 1, 3);
    const proba = probe.predictProba(Float32Array.from([1.5]), 1);
    expect(proba[1]).toBe(0);
    expect(proba[0] + proba[2]).toBeCloseTo(1, 6);
    expect(Array.from(probe.predict(Float32Array.from([0, 3]), 2))).toEqual([0, 2]);
  });

  it('rejects a label outside 0..K−1 with the offending row', () => {
    expect(() => new LogisticRegressionProbe().fit(Float32Array.from([0, 1]), Int32Array.from([0, 5]), 2, 1, 2)).toThrow(/label 5 at row 1/);
  });
});
