import { describe, expect, it } from 'vitest';
import { AnchoredProbe, zsAnchoredProbe } from '../../../src/evaluation/methods/zs-anchored-probe.ts';
import { LogisticRegressionProbe } from '../../../src/evaluation/probe/index.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 4;
const d = 6;

describe('zs-anchored-probe', () => {
  const p = toyProblem(K, d, 31, { train: 4, val: 4, test: 20 });

  it('with a zero anchor it is the project’s L2 probe (same objective, same optimum)', () => {
    const a = new AnchoredProbe(1, new Float64Array(K * d)).fit(p.train.X, p.train.y, p.train.n, d, K).weights();
    const b = new LogisticRegressionProbe({ C: 1, tol: 1e-8 }).fit(p.train.X, p.train.y, p.train.n, d, K).weights!();
    const sa = new AnchoredProbe(1, new Float64Array(K * d)).fit(p.train.X, p.train.y, p.train.n, d, K).decisionFunction(p.test.X, p.test.n);
    expect(Math.max(...a.coef.map((v, i) => Math.abs(v - b.coef[i])))).toBeLessThan(2e-3);
    // Logits are defined up to a constant per row (the intercepts' common shift): compare differences.
    const sb = new LogisticRegressionProbe({ C: 1, tol: 1e-8 }).fit(p.train.X, p.train.y, p.train.n, d, K).decisionFunction(p.test.X, p.test.n);
    for (let i = 0; i < p.test.n; i++) expect(sa[i * K + 1] - sa[i * K]).toBeCloseTo(sb[i * K + 1] - sb[i * K], 2);
  });

  it('with fewer rows than dimensions (fitted in the rows\' span) it reaches the full-space optimum: zero gradient, W − s·W_zs in the span', () => {
    const dd = 40;
    const q = toyProblem(K, dd, 32, { train: 2, val: 1, test: 1 });
    const n = q.train.n;
    const anchor = Float64Array.from(q.text, (v) => 30 * v);
    const C = 0.5;
    const w = new AnchoredProbe(C, anchor, 1000, 1e-9).fit(q.train.X, q.train.y, n, dd, K).weights();
    const X = (i: number, j: number) => q.train.X[i * dd + j];
    // ∇_W of C·Σ CE + ½‖W − A‖², all in the original coordinates.
    const G = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: K }, (_, c) => w.intercept[c] + Array.from({ length: dd }, (_, j) => w.coef[c * dd + j] * X(i, j)).reduce((a, b) => a + b, 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const se = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < K; c++) G[i * K + c] = e[c] / se - (q.train.y[i] === c ? 1 : 0);
    }
    let worst = 0;
    for (let c = 0; c < K; c++)
      for (let j = 0; j < dd; j++) {
        let g = (w.coef[c * dd + j] - anchor[c * dd + j]) / C;
        for (let i = 0; i < n; i++) g += G[i * K + c] * X(i, j);
        worst = Math.max(worst, Math.abs(g));
      }
    expect(worst).toBeLessThan(1e-4);
    // W − A = −C·Gᵀ·X at the optimum: in the span of the rows.
    for (let c = 0; c < K; c++)
      for (let j = 0; j < dd; j++) {
        let v = 0;
        for (let i = 0; i < n; i++) v -= C * G[i * K + c] * X(i, j);
        expect(w.coef[c * dd + j] - anchor[c * dd + j]).toBeCloseTo(v, 4);
      }
  });

  it('as C → 0, W returns to s·W_zs and only the unpenalised bias still fits the rows', () => {
    const anchor = Float64Array.from(p.text, (v) => 50 * v);
    const w = new AnchoredProbe(1e-9, anchor).fit(p.train.X, p.train.y, p.train.n, d, K).weights();
    expect(Math.max(...w.coef.map((v, i) => Math.abs(v - anchor[i])))).toBeLessThan(1e-6);
    // The bias is then (near) the CE optimum on the zero-shot logits: its gradient Σ_i (p_ic − y_ic) (nearly) vanishes.
    // (At C = 1e-9 the problem is too ill-conditioned for L-BFGS to polish b; at 1e-3 it is not.)
    const w3 = new AnchoredProbe(1e-3, anchor).fit(p.train.X, p.train.y, p.train.n, d, K).weights();
    expect(Math.max(...w3.coef.map((v, i) => Math.abs(v - anchor[i])))).toBeLessThan(0.05);
    for (let c = 0; c < K; c++) {
      let g = 0;
      for (let i = 0; i < p.train.n; i++) {
        const z = Array.from({ length: K }, (_, k) => {
          let s = w3.intercept[k];
          for (let j = 0; j < d; j++) s += w3.coef[k * d + j] * p.train.X[i * d + j];
          return s;
        });
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        g += e[c] / e.reduce((x, y) => x + y, 0) - (p.train.y[i] === c ? 1 : 0);
      }
      expect(Math.abs(g)).toBeLessThan(5e-3);
    }
  });

  it('chooses C on validation with the probe’s search and records it; test rows play no part', () => {
    const fit = zsAnchoredProbe.fit(contextFor(p, K, d));
    expect(fit.selection).toBe('validation');
    expect(fit.hyperparameters.C).toBeGreaterThan(0);
    const q = toyProblem(K, d, 31, { train: 4, val: 4, test: 20 });
    q.test.y.fill(3);
    q.test.X.fill(-1);
    expect(zsAnchoredProbe.fit(contextFor(q, K, d)).hyperparameters).toEqual(fit.hyperparameters);
  });
});
