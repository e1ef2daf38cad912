/**
 * The span of the training rows. When n < d every gradient of the probe's objective lies in the span of
 * the rows (plus W's own start), so the fit can run in an orthonormal basis of that span: exact, and a
 * k-shot problem (n = Kk rows ≪ d) gets much cheaper.
 */
import { dotRows, gemmFor, type Gemm, jsGemm } from './dense.ts';

/**
 * Orthonormal basis (rows of Q, [rank, d]) of the span of X's rows: Gram–Schmidt with one
 * re-orthogonalisation pass ("twice is enough"); rows that add < 1e-10 of their norm are dependent.
 * Blocked (BCGS2, Barlow & Smoktunowicz 2013): each block of rows is projected off the basis so far
 * with two matrix products (`gemm`: onnxruntime's for large X), then orthogonalised within the block
 * by modified Gram–Schmidt, twice.
 */
export function rowSpaceBasis(X: Float32Array, n: number, d: number, gemm: Gemm = jsGemm): { Q: Float64Array; rank: number; rankAfter: Int32Array } {
  const Q = new Float64Array(Math.min(n, d) * d);
  // Rank after each row: row i lies in the span of the first rankAfter[i] basis rows (Gram–Schmidt order).
  const rankAfter = new Int32Array(n).fill(-1);
  const V = new Float64Array(Math.min(n, BASIS_BLOCK) * d);
  const norm0 = new Float64Array(BASIS_BLOCK);
  let rank = 0;
  for (let s = 0; s < n && rank < d; s += BASIS_BLOCK) {
    const bb = Math.min(BASIS_BLOCK, n - s);
    for (let t = 0; t < bb; t++) {
      let ss = 0;
      for (let j = 0; j < d; j++) {
        const v = X[(s + t) * d + j];
        V[t * d + j] = v;
        ss += v * v;
      }
      norm0[t] = Math.sqrt(ss);
    }
    if (rank > 0) {
      for (let pass = 0; pass < 2; pass++) {
        const coeffs = gemm(V, Q, bb, rank, d, true);
        V.set(gemm(coeffs, Q, bb, d, rank, false, { C: V, alpha: -1 }).subarray(0, bb * d));
      }
    }
    const first = rank;
    for (let t = 0; t < bb && rank < d; t++) {
      if (norm0[t] === 0) continue;
      const vo = t * d;
      for (let pass = 0; pass < 2; pass++) {
        for (let a = first; a < rank; a++) {
          const c = dotRows(Q, a * d, V, vo, d);
          for (let j = 0; j < d; j++) V[vo + j] -= c * Q[a * d + j];
        }
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += V[vo + j] * V[vo + j];
      norm = Math.sqrt(norm);
      if (norm <= 1e-10 * norm0[t]) continue;
      for (let j = 0; j < d; j++) Q[rank * d + j] = V[vo + j] / norm;
      rank++;
      rankAfter[s + t] = rank;
    }
  }
  // Rows that added nothing (and rows after the basis filled up) have the rank reached before them.
  for (let i = 0, last = 0; i < n; i++) last = rankAfter[i] = rankAfter[i] < 0 ? last : rankAfter[i];
  return { Q, rank, rankAfter };
}

const BASIS_BLOCK = 64;

export interface RowSpace {
  n: number;
  d: number;
  Q: Float64Array;
  rank: number;
  rankAfter: Int32Array;
  /** X Qᵀ, [n, rank]. */
  Xr: Float64Array;
}

// A C sweep fits the same training matrix ~15 times; its basis (O(n²d)) is computed once. Keyed by the
// array object: feature arrays are treated as immutable once handed to a probe.
const rowSpaceCache = new WeakMap<Float32Array, RowSpace>();

// The float64 copy of a training matrix, shared by the fits of a sweep like the row-space basis.
const float64Cache = new WeakMap<Float32Array, Float64Array>();

export function cachedFloat64(X: Float32Array): Float64Array {
  let hit = float64Cache.get(X);
  if (!hit || hit.length !== X.length) {
    hit = Float64Array.from(X);
    float64Cache.set(X, hit);
  }
  return hit;
}

export function cachedRowSpace(X: Float32Array, n: number, d: number, threads: number): RowSpace {
  const hit = rowSpaceCache.get(X);
  if (hit && hit.n === n && hit.d === d) return hit;
  const gemm = gemmFor(n * n * d, threads);
  const { Q, rank, rankAfter } = rowSpaceBasis(X, n, d, gemm);
  // X Qᵀ: coordinates of each row in the basis, [n, rank].
  const entry = { n, d, Q, rank, rankAfter, Xr: gemm(cachedFloat64(X), Q, n, rank, d, true) };
  rowSpaceCache.set(X, entry);
  return entry;
}
