import { describe, expect, it } from 'vitest';
import { scoreHead } from '../../../src/evaluation/methods/head.ts';
import { lpPlusPlus, lpppHead } from '../../../src/evaluation/methods/lp-plus-plus.ts';
import { largestEigenvalueGram, top1, zeroShotLinear } from '../../../src/evaluation/methods/linalg.ts';
import { linearScores } from '../../../src/evaluation/probe/logistic-regression.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 4;
const d = 6;

describe('lp++', () => {
  const p = toyProblem(K, d, 11, { train: 4, val: 4, test: 50 });
  const fit = lpPlusPlus.fit(contextFor(p, K, d));

  it('starts α at 250 × the mean over classes of the class-mean true-class text logit', () => {
    let total = 0;
    for (let c = 0; c < K; c++) {
      let s = 0;
      let n = 0;
      for (let i = 0; i < p.train.n; i++)
        if (p.train.y[i] === c) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += p.train.X[i * d + j] * p.text[c * d + j];
          s += dot;
          n++;
        }
      total += s / n;
    }
    expect(fit.hyperparameters.alphaInit).toBeCloseTo((250 * total) / K, 4);
  });

  it('uses the step sizes of the release: lr_W = 4N/λ_max(FᵀF), lr_α = N/(4·max_c Σ_i (f_i·t_c)²)', () => {
    expect(fit.hyperparameters.lrW).toBeCloseTo((4 * p.train.n) / largestEigenvalueGram(p.train.X, p.train.n, d), 8);
    // λ_max of a 2×2 Gram matrix by hand: A = [[3, 0], [4, 0]] → AᵀA = [[25, 0], [0, 0]].
    expect(largestEigenvalueGram([3, 0, 4, 0], 2, 2)).toBeCloseTo(25, 8);
    expect(largestEigenvalueGram([1, 1, 1, -1], 2, 2)).toBeCloseTo(2, 8);
    expect(fit.hyperparameters.lrAlpha).toBeGreaterThan(0);
  });

  it('is the linear head W·f + b + α_c·(f·t_c)', () => {
    const W = Float64Array.from({ length: K * d }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: K }, (_, c) => c / 10);
    const alpha = Float64Array.from({ length: K }, (_, c) => 2 + c);
    const got = linearScores(lpppHead(W, b, alpha, p.text, K, d), p.test.X.subarray(0, 3 * d), 3);
    for (let i = 0; i < 3; i++)
      for (let c = 0; c < K; c++) {
        let wf = 0;
        let tf = 0;
        for (let j = 0; j < d; j++) (wf += W[c * d + j] * p.test.X[i * d + j]), (tf += p.text[c * d + j] * p.test.X[i * d + j]);
        expect(got[i * K + c]).toBeCloseTo(wf + b[c] + alpha[c] * tf, 4);
      }
  });

  it('keeps an epoch chosen on validation, beats zero-shot on this toy, and is deterministic for a seed', () => {
    expect(fit.selection).toBe('validation');
    expect(fit.hyperparameters.epoch).toBeGreaterThanOrEqual(1);
    expect(fit.hyperparameters.epoch).toBeLessThanOrEqual(300);
    const zs = top1(linearScores(zeroShotLinear(p.text, 100, K, d), p.test.X, p.test.n), p.test.y, K);
    expect(top1(scoreHead(fit.head, p.test.X, p.test.n), p.test.y, K)).toBeGreaterThan(zs);
    expect(lpPlusPlus.fit(contextFor(p, K, d)).hyperparameters).toEqual(fit.hyperparameters);
  });

  it('never reads test rows: poisoning the test set leaves the chosen epoch unchanged', () => {
    const q = toyProblem(K, d, 11, { train: 4, val: 4, test: 50 });
    q.test.y.fill(2);
    q.test.X.fill(0.5);
    expect(lpPlusPlus.fit(contextFor(q, K, d)).hyperparameters).toEqual(fit.hyperparameters);
  });
});
