import { describe, expect, it } from 'vitest';
import { tipAdapterF, tipFLossGrad } from '../../../src/evaluation/methods/tip-adapter-f.ts';
import type { TipHead } from '../../../src/evaluation/methods/tip-adapter.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 4;
const d = 6;

describe('tip-adapter-f', () => {
  it('the analytic key gradient matches finite differences', () => {
    const p = toyProblem(K, d, 41, { train: 2, val: 0, test: 3 });
    const keys = Float32Array.from(p.train.X, (v, i) => v + 0.05 * Math.sin(i));
    const head = (k: Float32Array): TipHead => ({ cache: { keys: k, labels: p.train.y, N: p.train.n }, W: p.text, scale: 20, K, d });
    const g = new Float64Array(keys.length);
    tipFLossGrad(head(keys), p.test.X, p.test.y, p.test.n, 1.5, 3, g);
    const scratch = new Float64Array(keys.length);
    for (const o of [0, 7, 20, 33, 47]) {
      const h = 1e-3;
      const kp = Float32Array.from(keys);
      const km = Float32Array.from(keys);
      kp[o] += h;
      km[o] -= h;
      const fd = (tipFLossGrad(head(kp), p.test.X, p.test.y, p.test.n, 1.5, 3, scratch) - tipFLossGrad(head(km), p.test.X, p.test.y, p.test.n, 1.5, 3, scratch)) / (2 * h);
      expect(g[o]).toBeCloseTo(fd, 3);
    }
  });

  it('keeps an epoch chosen on validation, searches α and β again, and never reads test rows', () => {
    const p = toyProblem(K, d, 42, { train: 4, val: 4, test: 20 });
    const fit = tipAdapterF.fit(contextFor(p, K, d, 20));
    expect(Object.keys(fit.hyperparameters).sort()).toEqual(['alpha', 'beta', 'epoch']);
    expect(fit.hyperparameters.epoch).toBeGreaterThanOrEqual(0);
    expect(fit.hyperparameters.epoch).toBeLessThanOrEqual(20);
    expect(fit.selection).toBe('validation');
    const q = toyProblem(K, d, 42, { train: 4, val: 4, test: 20 });
    q.test.y.fill(1);
    q.test.X.fill(0.3);
    expect(tipAdapterF.fit(contextFor(q, K, d, 20)).hyperparameters).toEqual(fit.hyperparameters);
  });
});
