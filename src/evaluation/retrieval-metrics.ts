/**
 * Caption-retrieval metrics named as CLIP_benchmark names them (`image_retrieval_recall@5`,
 * `text_retrieval_recall@5`), plus the median rank of the first relevant item in each direction, each with a
 * percentile-bootstrap CI over its queries (captions for image retrieval, images for text retrieval).
 */
import type { Estimate } from '../results/schema.ts';
import type { CaptionRetrieval } from './retrieval.ts';
import { percentileEstimate } from './statistics.ts';
import { deriveSeed, Rng } from '../util/rng.ts';

export const DEFAULT_RECALL_KS = [1, 5, 10] as const;

export type RetrievalDirection = 'image_retrieval' | 'text_retrieval';

/** `<direction>_recall@<k>` for every k, and `<direction>_median_rank`, in that order. */
export function metricNames(ks: readonly number[]): string[] {
  return (['image_retrieval', 'text_retrieval'] as const).flatMap((dir) => [...ks.map((k) => `${dir}_recall@${k}`), `${dir}_median_rank`]);
}

/** recall@k for every k and the median, from a histogram of ranks (counts[r] = queries of rank r). */
function fromHistogram(counts: Int32Array, n: number, ks: readonly number[]): number[] {
  const out: number[] = [];
  let seen = 0;
  let x = 0;
  const sortedKs = [...ks];
  const atK = new Map<number, number>();
  const lo = n % 2 ? (n - 1) / 2 : n / 2 - 1;
  const hi = n % 2 ? lo : n / 2;
  let loRank = NaN;
  let hiRank = NaN;
  for (let r = 1; r < counts.length; r++) {
    seen += counts[r];
    while (x < sortedKs.length && sortedKs[x] === r) atK.set(sortedKs[x++], seen);
    if (Number.isNaN(loRank) && seen > lo) loRank = r;
    if (Number.isNaN(hiRank) && seen > hi) hiRank = r;
  }
  for (const k of ks) out.push((atK.get(k) ?? seen) / n);
  out.push((loRank + hiRank) / 2);
  return out;
}

/**
 * Every metric with its CI; `seedKey` names the test set (the bootstrap seed derives from it). One resample of
 * a direction's queries serves all its metrics: the drawn ranks go into a histogram, from which recall@k for
 * every k and the median are read (O(queries + items) per resample, no sort).
 */
export function captionRetrievalMetrics(r: CaptionRetrieval, ks: readonly number[], seed: number, seedKey: string, resamples: number): Record<string, Estimate> {
  const out: Record<string, Estimate> = {};
  const sortedKs = [...ks].sort((a, b) => a - b);
  const dirs: [RetrievalDirection, Int32Array][] = [
    ['image_retrieval', r.imageRetrievalRanks],
    ['text_retrieval', r.textRetrievalRanks],
  ];
  for (const [dir, ranks] of dirs) {
    const n = ranks.length;
    let max = 0;
    for (const x of ranks) if (x > max) max = x;
    const counts = new Int32Array(max + 1);
    for (const x of ranks) counts[x]++;
    const full = fromHistogram(counts, n, sortedKs);
    const stats = full.map(() => new Float64Array(resamples));
    const rng = new Rng(deriveSeed(seed, `${seedKey}/${dir}`));
    for (let b = 0; b < resamples; b++) {
      counts.fill(0);
      for (let q = 0; q < n; q++) counts[ranks[rng.int(n)]]++;
      fromHistogram(counts, n, sortedKs).forEach((v, m) => (stats[m][b] = v));
    }
    sortedKs.forEach((k, m) => (out[`${dir}_recall@${k}`] = percentileEstimate(full[m], stats[m])));
    out[`${dir}_median_rank`] = percentileEstimate(full[sortedKs.length], stats[sortedKs.length]);
  }
  return Object.fromEntries(metricNames(ks).map((name) => [name, out[name]]));
}
