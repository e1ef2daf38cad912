/**
 * A compact histogram of per-example embedding cosines on a log scale of 1 − cosine: fp16 exports sit
 * near 1e-7 (float32 rounding), int8 near 1e-5, a broken export near 1e-1, so decades separate them where
 * linear bins on the cosine would put every row in the last bin.
 */

/** Bin edges in log10(1 − cosine), half a decade apart, from 1e-8 to 1. */
export const LOG10_EDGES = Array.from({ length: 17 }, (_, i) => -8 + i / 2);

export interface CosineHistogram {
  /** Edges in log10(1 − cosine), ascending. */
  log10Edges: number[];
  /**
   * edges.length + 1 counts: [0] rows with 1 − cosine below 10^edges[0] (identical embeddings included),
   * [i] rows in [10^edges[i−1], 10^edges[i]), the last rows at or above 10^edges.at(-1) (cosine ≤ 0).
   */
  counts: number[];
}

export function cosineHistogram(cosines: ArrayLike<number>, log10Edges: readonly number[] = LOG10_EDGES): CosineHistogram {
  const counts = new Array<number>(log10Edges.length + 1).fill(0);
  for (let i = 0; i < cosines.length; i++) {
    const x = Math.log10(1 - cosines[i]); // −Infinity (or NaN from rounding above 1) falls into bin 0
    let b = 0;
    while (b < log10Edges.length && x >= log10Edges[b]) b++;
    counts[b]++;
  }
  return { log10Edges: [...log10Edges], counts };
}
