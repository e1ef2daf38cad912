/**
 * Tip-Adapter (Zhang et al., ECCV 2022; gaopengcuhk/Tip-Adapter `main.py`, `utils.py`), training-free:
 *   logits = s·f·W_zsᵀ + α·exp(−β·(1 − f·Kᵀ))·L
 * K = the k-shot train features (the cache keys), L their one-hot labels. α and β are searched on the
 * validation rows over the original's grid (`search_hp`: β_i = i·(7 − 0.1)/200 + 0.1, α_j = j·(3 − 0.1)/20 + 0.1,
 * β outer, α inner, strict improvement over a best that starts at 0 with β = α = 0). The released
 * ImageNet script searches on the test set; this never does.
 *
 * The search is engineered so 4,000 (α, β) pairs cost about one pass per β: the affinities f·Kᵀ are
 * computed once per validation row, exp(−β(1 − a)) for consecutive β on an arithmetic grid is the last
 * one times exp(−δ(1 − a)) (re-anchored with an exact exp every 25 steps), and α enters linearly, so
 * for each (row, β) the α's that classify the row correctly form one interval, found in O(K).
 */
import type { FeatureRows, FewShotMethod, MethodContext, FittedMethod } from './types.ts';
import { productsT } from './linalg.ts';

/** The original's configs: search_scale [β, α] and search_step [β, α] (every config uses 200 and 20 steps). */
export const TIP_ADAPTER_SEARCH = { scale: [7, 3] as const, step: [200, 20] as const };
/** init_beta / init_alpha: what runs when there are no validation rows (the configs use β = 1 and α = 1 … 3). */
export const TIP_ADAPTER_INIT = { alpha: 1, beta: 1 };

/** `search_hp`'s list: i·(scale − 0.1)/step + 0.1 for i in range(step). */
export function searchList(scale: number, step: number): number[] {
  return Array.from({ length: step }, (_, i) => (i * (scale - 0.1)) / step + 0.1);
}

/** The cache: keys [N, d] (normalised train features, or Tip-Adapter-F's fine-tuned ones) and their labels. */
export interface TipCache {
  keys: Float32Array;
  labels: Int32Array;
  N: number;
}

export interface TipHead {
  cache: TipCache;
  W: Float32Array;
  scale: number;
  K: number;
  d: number;
}

const BLOCK = 256;

/** Tip-Adapter logits, directly from the formula (rows in blocks). */
export function tipAdapterLogits(head: TipHead, X: Float32Array, n: number, alpha: number, beta: number): Float32Array {
  const { cache, K, d } = head;
  const out = new Float32Array(n * K);
  // Widened once, not per block (productsT widens a Float32Array on every call).
  const W64 = Float64Array.from(head.W);
  const keys64 = Float64Array.from(cache.keys);
  for (let s = 0; s < n; s += BLOCK) {
    const rows = Math.min(BLOCK, n - s);
    const Xb = X.subarray(s * d, (s + rows) * d);
    const zs = productsT(Xb, rows, W64, K, d);
    const aff = productsT(Xb, rows, keys64, cache.N, d);
    const cl = new Float64Array(K);
    for (let i = 0; i < rows; i++) {
      cl.fill(0);
      for (let j = 0; j < cache.N; j++) cl[cache.labels[j]] += Math.exp(-beta * (1 - aff[i * cache.N + j]));
      for (let c = 0; c < K; c++) out[(s + i) * K + c] = head.scale * zs[i * K + c] + alpha * cl[c];
    }
  }
  return out;
}

/** The α's (indices) for which row i's true class wins: an interval, since every logit is linear in α. */
function countCorrect(z: Float64Array, C: Float64Array, y: number, K: number, alphas: readonly number[], counts: Int32Array, off: number): void {
  let lo = -Infinity;
  let loStrict = false;
  let hi = Infinity;
  let hiStrict = false;
  const zy = z[y];
  const Cy = C[y];
  for (let c = 0; c < K; c++) {
    if (c === y) continue;
    // Ties go to the first class (the harness's arg-max): a class before y must be strictly beaten.
    const strict = c < y;
    const d0 = zy - z[c];
    const d1 = Cy - C[c];
    if (d1 > 0) {
      const t = -d0 / d1;
      if (t > lo || (t === lo && strict)) (lo = t), (loStrict = strict);
    } else if (d1 < 0) {
      const t = -d0 / d1;
      if (t < hi || (t === hi && strict)) (hi = t), (hiStrict = strict);
    } else if (strict ? !(d0 > 0) : !(d0 >= 0)) return;
  }
  for (let a = 0; a < alphas.length; a++) {
    const al = alphas[a];
    if ((al > lo || (al === lo && !loStrict)) && (al < hi || (al === hi && !hiStrict))) counts[off + a]++;
  }
}

/** Correct validation rows per (β, α), β-major: the whole grid from one affinity pass. */
export function tipAdapterGridCounts(head: TipHead, rows: FeatureRows, betas: readonly number[], alphas: readonly number[]): Int32Array {
  const { cache, K, d } = head;
  const N = cache.N;
  const counts = new Int32Array(betas.length * alphas.length);
  const step = betas.length > 1 ? betas[1] - betas[0] : 0;
  const arithmetic = betas.every((b, i) => Math.abs(b - (betas[0] + i * step)) <= 1e-12 * Math.max(1, Math.abs(b)));
  // Keys in class order, so each class's cache logit is one contiguous sum (no scattered writes).
  const order = Int32Array.from({ length: N }, (_, j) => j).sort((a, b) => cache.labels[a] - cache.labels[b] || a - b);
  const start = new Int32Array(K + 1);
  for (let j = 0; j < N; j++) start[cache.labels[j] + 1]++;
  for (let c = 0; c < K; c++) start[c + 1] += start[c];
  const gap = new Float64Array(N);
  const e = new Float64Array(N);
  const r = new Float64Array(N);
  const z = new Float64Array(K);
  const C = new Float64Array(K);
  const W64 = Float64Array.from(head.W);
  const keys64 = Float64Array.from(cache.keys);
  for (let s = 0; s < rows.n; s += BLOCK) {
    const nb = Math.min(BLOCK, rows.n - s);
    const Xb = rows.X.subarray(s * d, (s + nb) * d);
    const zs = productsT(Xb, nb, W64, K, d);
    const aff = productsT(Xb, nb, keys64, N, d);
    for (let i = 0; i < nb; i++) {
      const ao = i * N;
      for (let c = 0; c < K; c++) z[c] = head.scale * zs[i * K + c];
      for (let j = 0; j < N; j++) gap[j] = 1 - aff[ao + order[j]];
      if (arithmetic) for (let j = 0; j < N; j++) r[j] = Math.exp(-step * gap[j]);
      for (let b = 0; b < betas.length; b++) {
        const beta = betas[b];
        if (!arithmetic || b % 25 === 0) for (let j = 0; j < N; j++) e[j] = Math.exp(-beta * gap[j]);
        else for (let j = 0; j < N; j++) e[j] *= r[j];
        for (let c = 0; c < K; c++) {
          let sum = 0;
          for (let j = start[c]; j < start[c + 1]; j++) sum += e[j];
          C[c] = sum;
        }
        countCorrect(z, C, rows.y[s + i], K, alphas, counts, b * alphas.length);
      }
    }
  }
  return counts;
}

/** `search_hp` on validation rows: β outer, α inner, the first strictly best pair (β = α = 0 if none beats 0). */
export function searchTipAdapter(head: TipHead, rows: FeatureRows, betas = searchList(TIP_ADAPTER_SEARCH.scale[0], TIP_ADAPTER_SEARCH.step[0]), alphas = searchList(TIP_ADAPTER_SEARCH.scale[1], TIP_ADAPTER_SEARCH.step[1])) {
  const counts = tipAdapterGridCounts(head, rows, betas, alphas);
  let best = 0;
  let beta = 0;
  let alpha = 0;
  for (let b = 0; b < betas.length; b++)
    for (let a = 0; a < alphas.length; a++) {
      const acc = counts[b * alphas.length + a] / rows.n;
      if (acc > best) (best = acc), (beta = betas[b]), (alpha = alphas[a]);
    }
  return { alpha, beta, valAccuracy: best };
}

/** α, β searched on validation rows for a cache (Tip-Adapter's keys or Tip-Adapter-F's), or fixed at init without them. */
export function fitTipHead(head: TipHead, ctx: MethodContext): FittedMethod {
  const chosen = ctx.val.n > 0 ? searchTipAdapter(head, ctx.val) : { ...TIP_ADAPTER_INIT, valAccuracy: NaN };
  return {
    score: (X, n) => tipAdapterLogits(head, X, n, chosen.alpha, chosen.beta),
    hyperparameters: { alpha: chosen.alpha, beta: chosen.beta },
    selection: ctx.val.n > 0 ? 'validation' : 'fixed',
    ...(ctx.val.n > 0 ? {} : { note: `no validation rows: α = ${TIP_ADAPTER_INIT.alpha}, β = ${TIP_ADAPTER_INIT.beta} (the configs' init values)` }),
  };
}

export const tipAdapter: FewShotMethod = {
  fit(ctx) {
    const head: TipHead = { cache: { keys: ctx.train.X, labels: ctx.train.y, N: ctx.train.n }, W: ctx.zeroShot.W, scale: ctx.zeroShot.scale, K: ctx.numClasses, d: ctx.d };
    return fitTipHead(head, ctx);
  },
};
