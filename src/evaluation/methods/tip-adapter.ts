/**
 * Tip-Adapter (Zhang et al., ECCV 2022; gaopengcuhk/Tip-Adapter `main.py`, `utils.py`), training-free:
 *   logits = s·f·W_zsᵀ + α·exp(−β·(1 − f·Kᵀ))·L
 * K = the k-shot train features (the cache keys), L their one-hot labels. α and β are searched on the
 * validation rows over the original's grid (`search_hp`: β_i = i·(7 − 0.1)/200 + 0.1, α_j = j·(3 − 0.1)/20 + 0.1,
 * β outer, α inner, strict improvement over a best that starts at 0 with β = α = 0). The released
 * ImageNet script searches on the test set; this never does.
 *
 * The search (tip-adapter-search.ts) gives the counts of scoring all 4,000 (β, α) pairs without scoring them.
 */
import type { FeatureRows, FewShotMethod, MethodContext, FittedMethod } from './types.ts';
import { productsT } from './linalg.ts';
import { searchTipAdapter } from './tip-adapter-search.ts';

import type { TipHead } from './tip-adapter-search.ts';

export { searchList, searchTipAdapter, tipAdapterGridCounts, TIP_ADAPTER_SEARCH, type TipCache, type TipHead } from './tip-adapter-search.ts';

/** init_beta / init_alpha: what runs when there are no validation rows (the configs use β = 1 and α = 1 … 3). */
export const TIP_ADAPTER_INIT = { alpha: 1, beta: 1 };

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

/** α, β searched on validation rows for a cache (Tip-Adapter's keys or Tip-Adapter-F's), or fixed at init without them. */
export function fitTipHead(head: TipHead, ctx: MethodContext): FittedMethod {
  const chosen = ctx.val.n > 0 ? searchTipAdapter(head, ctx.val) : { ...TIP_ADAPTER_INIT, valAccuracy: NaN };
  return {
    head: { kind: 'tip-adapter', tip: head, alpha: chosen.alpha, beta: chosen.beta },
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
