import { describe, expect, it } from 'vitest';
import { searchList, searchTipAdapter, tipAdapter, tipAdapterGridCounts, tipAdapterLogits, type TipHead } from '../../../src/evaluation/methods/tip-adapter.ts';
import { argmaxRow } from '../../../src/evaluation/methods/linalg.ts';
import { contextFor, toyProblem } from './helpers.ts';

const K = 5;
const d = 8;

/** The straightforward count: score the validation rows at (α, β) from the formula and count arg-max hits. */
function directCount(head: TipHead, rows: { X: Float32Array; y: Int32Array; n: number }, alpha: number, beta: number): number {
  const s = tipAdapterLogits(head, rows.X, rows.n, alpha, beta);
  let ok = 0;
  for (let i = 0; i < rows.n; i++) if (argmaxRow(s, i * head.K, head.K) === rows.y[i]) ok++;
  return ok;
}

describe('tip-adapter', () => {
  it('search_hp grid: i·(scale − 0.1)/step + 0.1, 200 β in [0.1, 7) and 20 α in [0.1, 3)', () => {
    const betas = searchList(7, 200);
    const alphas = searchList(3, 20);
    expect(betas).toHaveLength(200);
    expect(betas[0]).toBeCloseTo(0.1, 12);
    expect(betas[199]).toBeCloseTo((199 * 6.9) / 200 + 0.1, 12);
    expect(alphas[1]).toBeCloseTo(2.9 / 20 + 0.1, 12);
  });

  it('logits equal s·f·W_zsᵀ + α·exp(−β(1 − f·Kᵀ))·L computed by hand', () => {
    const p = toyProblem(K, d, 1, { train: 2, val: 1, test: 3 });
    const head: TipHead = { cache: { keys: p.train.X, labels: p.train.y, N: p.train.n }, W: p.text, scale: 50, K, d };
    const got = tipAdapterLogits(head, p.test.X, p.test.n, 1.7, 3.2);
    for (let i = 0; i < p.test.n; i++)
      for (let c = 0; c < K; c++) {
        let zs = 0;
        for (let j = 0; j < d; j++) zs += p.test.X[i * d + j] * p.text[c * d + j];
        let cache = 0;
        for (let k = 0; k < p.train.n; k++) {
          if (p.train.y[k] !== c) continue;
          let a = 0;
          for (let j = 0; j < d; j++) a += p.test.X[i * d + j] * p.train.X[k * d + j];
          cache += Math.exp(-3.2 * (1 - a));
        }
        expect(got[i * K + c]).toBeCloseTo(50 * zs + 1.7 * cache, 3);
      }
  });

  it('the one-pass grid counts equal scoring every (β, α) pair directly', () => {
    const p = toyProblem(K, d, 2, { train: 3, val: 6, test: 1 });
    const head: TipHead = { cache: { keys: p.train.X, labels: p.train.y, N: p.train.n }, W: p.text, scale: 20, K, d };
    const betas = searchList(7, 60);
    const alphas = searchList(30, 12);
    const counts = tipAdapterGridCounts(head, p.val, betas, alphas);
    let checked = 0;
    betas.forEach((b, bi) =>
      alphas.forEach((a, ai) => {
        expect(counts[bi * alphas.length + ai]).toBe(directCount(head, p.val, a, b));
        checked++;
      }),
    );
    expect(checked).toBe(720);
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  it('the search chooses exactly what the straightforward search_hp chooses on the full 200 × 20 grid', () => {
    const p = toyProblem(K, d, 6, { train: 4, val: 5, test: 1 });
    const head: TipHead = { cache: { keys: p.train.X, labels: p.train.y, N: p.train.n }, W: p.text, scale: 10, K, d };
    // gaopengcuhk/Tip-Adapter utils.py search_hp, literally: score every pair, keep the first strict improvement.
    const betas = searchList(7, 200);
    const alphas = searchList(3, 20);
    let best = { alpha: 0, beta: 0, valAccuracy: 0 };
    for (const beta of betas)
      for (const alpha of alphas) {
        const acc = directCount(head, p.val, alpha, beta) / p.val.n;
        if (acc > best.valAccuracy) best = { alpha, beta, valAccuracy: acc };
      }
    expect(best.beta).toBeGreaterThan(0);
    expect(searchTipAdapter(head, p.val)).toEqual(best);
  });

  it('the counts stay exact where bounds skip classes and where classes tie (first class wins)', () => {
    const Kb = 30;
    const p = toyProblem(Kb, d, 7, { train: 3, val: 4, test: 1 });
    // Classes 1 and 2 are one class twice: same text embedding, same cache keys, so every logit ties.
    p.text.copyWithin(2 * d, 1 * d, 2 * d);
    for (let k = 0; k < p.train.n; k++) if (p.train.y[k] === 2) p.train.X.set(p.train.X.subarray((k - 1) * d, k * d), k * d);
    const head: TipHead = { cache: { keys: p.train.X, labels: p.train.y, N: p.train.n }, W: p.text, scale: 30, K: Kb, d };
    const betas = searchList(7, 25);
    const alphas = searchList(3, 20);
    const counts = tipAdapterGridCounts(head, p.val, betas, alphas);
    let tied = 0;
    betas.forEach((b, bi) =>
      alphas.forEach((a, ai) => {
        const s = tipAdapterLogits(head, p.val.X, p.val.n, a, b);
        for (let i = 0; i < p.val.n; i++) if (s[i * Kb + 1] === s[i * Kb + 2]) tied++;
        expect(counts[bi * alphas.length + ai]).toBe(directCount(head, p.val, a, b));
      }),
    );
    expect(tied).toBe(betas.length * alphas.length * p.val.n);
    // Rows of class 2 never count: class 1 ties with them and comes first.
    const only2 = { X: p.val.X.filter((_, t) => p.val.y[Math.floor(t / d)] === 2), y: p.val.y.filter((c) => c === 2), n: 0 };
    only2.n = only2.y.length;
    expect(Math.max(...tipAdapterGridCounts(head, only2, betas, alphas))).toBe(0);
  });

  it('chooses the first strictly best pair, β outer and α inner', () => {
    const p = toyProblem(K, d, 3, { train: 2, val: 8, test: 1 });
    const head: TipHead = { cache: { keys: p.train.X, labels: p.train.y, N: p.train.n }, W: p.text, scale: 10, K, d };
    const betas = searchList(7, 20);
    const alphas = searchList(20, 10);
    const counts = tipAdapterGridCounts(head, p.val, betas, alphas);
    const max = Math.max(...counts);
    const first = counts.indexOf(max);
    const r = searchTipAdapter(head, p.val, betas, alphas);
    expect(r.beta).toBe(betas[Math.floor(first / alphas.length)]);
    expect(r.alpha).toBe(alphas[first % alphas.length]);
  });

  it('never reads test rows: poisoning the test labels leaves α and β unchanged', () => {
    const p = toyProblem(K, d, 4, { train: 2, val: 4, test: 5 });
    const ctx = contextFor(p, K, d);
    const a = tipAdapter.fit(ctx).hyperparameters;
    p.test.y.fill(0);
    p.test.X.fill(0);
    expect(tipAdapter.fit(contextFor(p, K, d)).hyperparameters).toEqual(a);
    expect(tipAdapter.fit(ctx).selection).toBe('validation');
  });

  it('falls back to the configs’ init α = β = 1 without validation rows, and says so', () => {
    const p = toyProblem(K, d, 5, { train: 2, val: 0, test: 2 });
    const f = tipAdapter.fit(contextFor(p, K, d));
    expect(f.hyperparameters).toEqual({ alpha: 1, beta: 1 });
    expect(f.selection).toBe('fixed');
    expect(f.note).toMatch(/no validation rows/);
  });
});
