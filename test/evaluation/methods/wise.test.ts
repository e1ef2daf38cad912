import { describe, expect, it } from 'vitest';
import { scoreHead } from '../../../src/evaluation/methods/head.ts';
import { wise, wiseHead, WISE_ALPHAS } from '../../../src/evaluation/methods/wise.ts';
import { zeroShotLinear } from '../../../src/evaluation/methods/linalg.ts';
import { linearScores } from '../../../src/evaluation/probe/logistic-regression.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 4;
const d = 6;

describe('wise', () => {
  const p = toyProblem(K, d, 7, { train: 3, val: 3, test: 4 });
  const ctx = contextFor(p, K, d, 30, 10);
  const fit = wise.fit(ctx);

  it('α = 0 is the zero-shot head and α = 1 the probe, logit for logit', () => {
    const zs = linearScores(zeroShotLinear(p.text, 30, K, d), p.test.X, p.test.n);
    const probe = linearScores(ctx.probe!.weights, p.test.X, p.test.n);
    const pts = fit.curve!.points;
    expect(pts.map((q) => q.value)).toEqual(WISE_ALPHAS);
    const at0 = scoreHead(pts[0].head, p.test.X, p.test.n);
    const at1 = scoreHead(pts[10].head, p.test.X, p.test.n);
    for (let i = 0; i < zs.length; i++) {
      expect(at0[i]).toBeCloseTo(zs[i], 4);
      expect(at1[i]).toBeCloseTo(probe[i], 4);
    }
  });

  it('interpolates weights and bias linearly: W(α) = (1−α)·s·W_zs + α·W_p, b(α) = α·b_p', () => {
    const zs = zeroShotLinear(p.text, 30, K, d);
    const h = wiseHead(zs, ctx.probe!.weights, 0.3);
    expect(h.coef[5]).toBeCloseTo(0.7 * 30 * p.text[5] + 0.3 * ctx.probe!.weights.coef[5], 10);
    expect(h.intercept[2]).toBeCloseTo(0.3 * ctx.probe!.weights.intercept[2], 12);
    const absent = { ...ctx.probe!.weights, intercept: Float64Array.from([-Infinity, 0, 0, 0]) };
    expect(wiseHead(zs, absent, 0).intercept[0]).toBe(0);
    expect(wiseHead(zs, absent, 0.5).intercept[0]).toBe(-Infinity);
  });

  it('reports the α best on validation (with a train-only probe) and records it with C', () => {
    expect(WISE_ALPHAS).toContain(fit.hyperparameters.alpha);
    expect(fit.hyperparameters.C).toBe(10);
    expect(fit.selection).toBe('validation');
  });

  it('never reads test rows: poisoning the test set leaves α unchanged', () => {
    const q = toyProblem(K, d, 7, { train: 3, val: 3, test: 4 });
    q.test.y.fill(1);
    q.test.X.reverse();
    expect(wise.fit(contextFor(q, K, d, 30, 10)).hyperparameters).toEqual(fit.hyperparameters);
  });
});
