/**
 * Tip-Adapter's `search_hp` (gaopengcuhk/Tip-Adapter `utils.py`) on validation rows: β outer, α inner,
 * strict improvement over a best that starts at 0 with β = α = 0. Every (β, α) pair is scored as if its
 * logits s·f·W_zsᵀ + α·C(β) were computed, C_c(β) = Σ_{keys j of class c} exp(−β(1 − f·k_j)), but:
 *  - the affinities f·Kᵀ are computed once per validation row, and L is one-hot, so C is a per-class sum;
 *  - every logit is linear in α, so for each (row, β) the α's that classify the row correctly are one
 *    interval: the intersection over classes c ≠ y of {α : z_y + α·C_y beats z_c + α·C_c}, ties going
 *    to the first class as the harness's arg-max does;
 *  - a class only narrows that interval over the grid's [α_min, α_max] when its logit can come close to
 *    the true class's: with the bounds n_c·exp(−β·max gap) ≤ C_c ≤ n_c·exp(−β·min gap) (per class, per
 *    row), classes are visited in decreasing zero-shot logit and the visit stops once no remaining class
 *    can reach the true class's logit, or ends the row at β as soon as one class beats it at every α.
 *    Only the classes in between get their exact C_c. A bound decides only with a margin of 1e-9 relative,
 *    far above the sums' rounding, so the counts are those of scoring every pair (the test checks that).
 */
import type { FeatureRows, TipHead } from './types.ts';
import { productsT } from './linalg.ts';

export type { TipCache, TipHead } from './types.ts';

/** The original's configs: search_scale [β, α] and search_step [β, α] (every config uses 200 and 20 steps). */
export const TIP_ADAPTER_SEARCH = { scale: [7, 3] as const, step: [200, 20] as const };

/** `search_hp`'s list: i·(scale − 0.1)/step + 0.1 for i in range(step). */
export function searchList(scale: number, step: number): number[] {
  return Array.from({ length: step }, (_, i) => (i * (scale - 0.1)) / step + 0.1);
}

/** Validation rows per affinity product (bounds the [rows, N] block). */
const BLOCK = 256;

/** Keys of the cache grouped by class: key indices in class order (stable), and each class's [start, end). */
function classRuns(labels: Int32Array, N: number, K: number) {
  const order = Int32Array.from({ length: N }, (_, j) => j).sort((a, b) => labels[a] - labels[b] || a - b);
  const start = new Int32Array(K + 1);
  for (let j = 0; j < N; j++) start[labels[j] + 1]++;
  for (let c = 0; c < K; c++) start[c + 1] += start[c];
  return { order, start };
}

/** Correct validation rows per (β, α), β-major. */
export function tipAdapterGridCounts(head: TipHead, rows: FeatureRows, betas: readonly number[], alphas: readonly number[]): Int32Array {
  const { cache, K, d } = head;
  const N = cache.N;
  const A = alphas.length;
  const counts = new Int32Array(betas.length * A);
  if (A === 0 || rows.n === 0) return counts;
  const aMin = Math.min(...alphas);
  const aMax = Math.max(...alphas);
  const { order, start } = classRuns(cache.labels, N, K);
  const gap = new Float64Array(N);
  const z = new Float64Array(K);
  const gMin = new Float64Array(K);
  const gMax = new Float64Array(K);
  const rank = new Int32Array(K);
  // Over classes from rank r on: the most keys and the smallest gap (with β ≥ 0, the largest possible C).
  const sufN = new Int32Array(K + 1);
  const sufG = new Float64Array(K + 1);
  const W64 = Float64Array.from(head.W);
  const keys64 = Float64Array.from(cache.keys);
  const exactC = (c: number, beta: number) => {
    let s = 0;
    for (let j = start[c]; j < start[c + 1]; j++) s += Math.exp(-beta * gap[j]);
    return s;
  };
  for (let s0 = 0; s0 < rows.n; s0 += BLOCK) {
    const nb = Math.min(BLOCK, rows.n - s0);
    const Xb = rows.X.subarray(s0 * d, (s0 + nb) * d);
    const zs = productsT(Xb, nb, W64, K, d);
    const aff = productsT(Xb, nb, keys64, N, d);
    for (let i = 0; i < nb; i++) {
      const y = rows.y[s0 + i];
      const ao = i * N;
      for (let c = 0; c < K; c++) z[c] = head.scale * zs[i * K + c];
      for (let j = 0; j < N; j++) gap[j] = 1 - aff[ao + order[j]];
      for (let c = 0; c < K; c++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let j = start[c]; j < start[c + 1]; j++) (lo = Math.min(lo, gap[j])), (hi = Math.max(hi, gap[j]));
        gMin[c] = lo;
        gMax[c] = hi;
      }
      let m = 0;
      for (let c = 0; c < K; c++) if (c !== y) rank[m++] = c;
      const ranked = rank.subarray(0, m).sort((a, b) => z[b] - z[a] || a - b);
      sufN[m] = 0;
      sufG[m] = Infinity;
      for (let r = m - 1; r >= 0; r--) {
        const c = ranked[r];
        sufN[r] = Math.max(sufN[r + 1], start[c + 1] - start[c]);
        sufG[r] = Math.min(sufG[r + 1], start[c + 1] > start[c] ? gMin[c] : Infinity);
      }
      for (let b = 0; b < betas.length; b++)
        countRow(z, y, betas[b], exactC, ranked, sufN, sufG, gMin, gMax, start, alphas, aMin, aMax, counts, b * A);
    }
  }
  return counts;
}

/** With β ≥ 0, exp(−β·g) is largest at the smallest gap and smallest at the largest: bounds on one key's term. */
const termMax = (beta: number, gLo: number) => Math.exp(-beta * gLo);
const termMin = (beta: number, gHi: number) => Math.exp(-beta * gHi);

/** Adds row (z, y) at one β to the counts of the α's for which its true class wins. */
function countRow(
  z: Float64Array,
  y: number,
  beta: number,
  exactC: (c: number, beta: number) => number,
  ranked: Int32Array,
  sufN: Int32Array,
  sufG: Float64Array,
  gMin: Float64Array,
  gMax: Float64Array,
  start: Int32Array,
  alphas: readonly number[],
  aMin: number,
  aMax: number,
  counts: Int32Array,
  off: number,
): void {
  const zy = z[y];
  const Cy = exactC(y, beta);
  const t0 = zy + aMin * Cy;
  const t1 = zy + aMax * Cy;
  const margin = 1e-9 * (1 + Math.abs(t0) + Math.abs(t1));
  // Can a class at logit zc with a cache sum up to U come within the margin of the true class at either end?
  // (Bounds hold for β ≥ 0 and α ≥ 0, the grids' ranges; otherwise every class is scored exactly.)
  const prune = beta >= 0 && aMin >= 0;
  const below = (zc: number, U: number) => prune && zc + aMin * U < t0 - margin && zc + aMax * U < t1 - margin;
  const above = (zc: number, L: number) => prune && zc + aMin * L > t0 + margin && zc + aMax * L > t1 + margin;
  let lo = -Infinity;
  let loStrict = false;
  let hi = Infinity;
  let hiStrict = false;
  for (let r = 0; r < ranked.length; r++) {
    const c = ranked[r];
    const zc = z[c];
    // Later classes have lower logits and at most sufN·exp(−β·sufG) of cache: none can reach y.
    if (below(zc, sufN[r] * Math.exp(-beta * sufG[r]))) break;
    const n = start[c + 1] - start[c];
    if (n > 0 ? below(zc, n * termMax(beta, gMin[c])) : below(zc, 0)) continue;
    if (above(zc, n > 0 ? n * termMin(beta, gMax[c]) : 0)) return;
    // Ties go to the first class (the harness's arg-max): a class before y must be strictly beaten.
    const strict = c < y;
    const d0 = zy - zc;
    const d1 = Cy - (n > 0 ? exactC(c, beta) : 0);
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
