import { describe, expect, it } from 'vitest';
import { scoreHead } from '../../../src/evaluation/methods/head.ts';
import { clap, clapLossGrad, clapLr, clapMultipliers } from '../../../src/evaluation/methods/clap.ts';
import { top1, zeroShotLinear } from '../../../src/evaluation/methods/linalg.ts';
import { linearScores } from '../../../src/evaluation/probe/logistic-regression.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 4;
const d = 6;

describe('clap', () => {
  it('λ_c is the zero-shot probability of the true class averaged over class c’s support rows', () => {
    // Two classes, rows: class 0 with logits [2, 0] and [0, 0]; class 1 with [0, 1].
    const lam = clapMultipliers(Float64Array.from([2, 0, 0, 0, 0, 1]), Int32Array.from([0, 0, 1]), 3, 2);
    const p = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    expect(lam[0]).toBeCloseTo((p(2, 0) + 0.5) / 2, 12);
    expect(lam[1]).toBeCloseTo(p(1, 0), 12);
  });

  it('warm-up epoch at 1e-5, then cosine from 0.1 over 300 epochs', () => {
    expect(clapLr(0)).toBe(1e-5);
    expect(clapLr(1)).toBeCloseTo(0.05 * (1 + Math.cos(Math.PI / 300)), 12);
    expect(clapLr(150)).toBeCloseTo(0.05, 12);
  });

  it('the analytic gradient of CE(s·cos) + mean_c λ_c‖w_c − t_c‖² matches finite differences', () => {
    const p = toyProblem(K, d, 21, { train: 2, val: 0, test: 1 });
    const T = Float64Array.from(p.text);
    const W = Float64Array.from(T, (v, i) => v + 0.2 * Math.cos(i));
    const lambda = Float64Array.from([0.3, 0.9, 0.5, 0.7]);
    const g = new Float64Array(K * d);
    clapLossGrad(W, p.train.X, p.train.y, p.train.n, T, lambda, 10, K, d, g);
    const scratch = new Float64Array(K * d);
    for (const o of [0, 5, 7, 13, 23]) {
      const h = 1e-6;
      const Wp = Float64Array.from(W);
      const Wm = Float64Array.from(W);
      Wp[o] += h;
      Wm[o] -= h;
      const fd = (clapLossGrad(Wp, p.train.X, p.train.y, p.train.n, T, lambda, 10, K, d, scratch) - clapLossGrad(Wm, p.train.X, p.train.y, p.train.n, T, lambda, 10, K, d, scratch)) / (2 * h);
      expect(g[o]).toBeCloseTo(fd, 5);
    }
  });

  it('is validation-free, and improves on zero-shot on this toy', () => {
    const p = toyProblem(K, d, 22, { train: 8, val: 2, test: 50 });
    const ctx = contextFor(p, K, d, 30);
    const fit = clap.fit(ctx);
    expect(fit.selection).toBe('none');
    const poisoned = contextFor(p, K, d, 30);
    poisoned.val.y.fill(0);
    expect(top1(scoreHead(clap.fit(poisoned).head, p.test.X, p.test.n), p.test.y, K)).toBe(top1(scoreHead(fit.head, p.test.X, p.test.n), p.test.y, K));
    const zs = top1(linearScores(zeroShotLinear(p.text, 30, K, d), p.test.X, p.test.n), p.test.y, K);
    expect(top1(scoreHead(fit.head, p.test.X, p.test.n), p.test.y, K)).toBeGreaterThanOrEqual(zs);
  });
});
