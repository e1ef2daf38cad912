/**
 * Class retrieval on a labelled set: each class's zero-shot embedding (its prompt ensemble) is a text query
 * over the test images; the relevant images are that class's. Per class: average precision (the mean, over
 * its images, of the precision at each one's rank; ties in score go to the lower image index), precision@k
 * and recall@k; overall: their means over classes (mAP, macro P@k, R@k). CIs by a percentile bootstrap over
 * test images (the queries are the fixed class list): each resample reweights the images and recomputes
 * every class's values in one pass over that class's ranking.
 */
import type { Estimate } from '../results/schema.ts';
import { percentileEstimate } from './statistics.ts';
import { Rng } from '../util/rng.ts';

export const DEFAULT_CLASS_KS = [1, 5, 10, 50, 100] as const;

export interface ClassRetrievalValues {
  ap: number;
  precisionAt: number[];
  recallAt: number[];
}

export interface ClassRetrievalResult {
  ks: number[];
  /** Test images of each class (the relevant set of its query). */
  relevant: number[];
  perClass: { ap: Estimate; precisionAt: Estimate[]; recallAt: Estimate[] }[];
  overall: { map: Estimate; precisionAt: Estimate[]; recallAt: Estimate[] };
  /** Per class, its top images (test rows), best first: what a contact sheet or a comparison shows. */
  top: Int32Array[];
}

/** Image rows by descending score for class c of scores [n, K]; ties to the lower row. */
export function rankImages(scores: Float32Array, numClasses: number, c: number): Int32Array {
  const n = scores.length / numClasses;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const col = Float32Array.from({ length: n }, (_, i) => scores[i * numClasses + c]);
  return order.sort((a, b) => col[b] - col[a] || a - b);
}

/**
 * AP, P@k and R@k of one ranking, each image counted `weight[i]` times (1 for the data itself; bootstrap
 * counts in a resample). Copies of an image sit together in the ranking. NaN when nothing is relevant.
 */
export function rankingValues(order: Int32Array, relevant: (i: number) => boolean, ks: readonly number[], weight?: Int32Array): ClassRetrievalValues {
  let totalRel = 0;
  for (let r = 0; r < order.length; r++) if (relevant(order[r])) totalRel += weight ? weight[order[r]] : 1;
  const precisionAt = ks.map(() => NaN);
  const recallAt = ks.map(() => NaN);
  if (totalRel === 0) return { ap: NaN, precisionAt, recallAt };
  let seen = 0;
  let hits = 0;
  let sumPrecision = 0;
  let nextK = 0;
  const hitsAt = ks.map(() => 0);
  for (let r = 0; r < order.length && (hits < totalRel || nextK < ks.length); r++) {
    const i = order[r];
    const w = weight ? weight[i] : 1;
    if (w === 0) continue;
    const rel = relevant(i);
    for (let c = 0; c < w; c++) {
      seen++;
      if (rel) {
        hits++;
        sumPrecision += hits / seen;
      }
      while (nextK < ks.length && seen === ks[nextK]) hitsAt[nextK++] = hits;
    }
  }
  for (let x = nextK; x < ks.length; x++) hitsAt[x] = hits; // k beyond the ranking: everything retrieved
  ks.forEach((k, x) => {
    precisionAt[x] = hitsAt[x] / Math.min(k, seen);
    recallAt[x] = hitsAt[x] / totalRel;
  });
  return { ap: sumPrecision / totalRel, precisionAt, recallAt };
}

const meanFinite = (xs: number[]) => {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
};

/** mAP, macro P@k and R@k: the means over classes with a defined value (classes with no relevant image are left out). */
function overallValues(vals: ClassRetrievalValues[], ks: readonly number[]): ClassRetrievalValues {
  return { ap: meanFinite(vals.map((v) => v.ap)), precisionAt: ks.map((_, x) => meanFinite(vals.map((v) => v.precisionAt[x]))), recallAt: ks.map((_, x) => meanFinite(vals.map((v) => v.recallAt[x]))) };
}

/** Overall metric names in record order: mAP, precision@k for every k, recall@k for every k. */
export const classMetricNames = (ks: readonly number[]) => ['mAP', ...ks.map((k) => `precision@${k}`), ...ks.map((k) => `recall@${k}`)];
const asList = (v: ClassRetrievalValues) => [v.ap, ...v.precisionAt, ...v.recallAt];

export interface PairedClassRetrieval {
  /** Per overall metric (classMetricNames order): both values and candidate − reference with its paired percentile CI. */
  deltas: { metric: string; reference: number; candidate: number; delta: number; ci: [number, number] }[];
  /** Class queries whose top-1 image differs between the two. */
  top1Changed: number;
}

/**
 * Two exports' class retrieval on the same test images (scores [n, K] each, same labels): the paired Δ of mAP,
 * P@k and R@k with a percentile bootstrap over test images, each resample's multiset of images shared by both
 * sides (as classRetrieval's own CIs resample images).
 */
export function pairedClassRetrieval(refScores: Float32Array, candScores: Float32Array, labels: Int32Array, numClasses: number, opts: { ks?: readonly number[]; seed: number; resamples: number; level?: number }): PairedClassRetrieval {
  const n = labels.length;
  const ks = [...(opts.ks ?? DEFAULT_CLASS_KS)];
  const relevantOf = (c: number) => (i: number) => labels[i] === c;
  const orders = [refScores, candScores].map((s) => Array.from({ length: numClasses }, (_, c) => rankImages(s, numClasses, c)));
  const values = (weight?: Int32Array) => orders.map((o) => asList(overallValues(o.map((ord, c) => rankingValues(ord, relevantOf(c), ks, weight)), ks)));
  const [ref, cand] = values();
  const stats = ref.map(() => new Float64Array(opts.resamples));
  const rng = new Rng(opts.seed);
  const weight = new Int32Array(n);
  for (let b = 0; b < opts.resamples; b++) {
    weight.fill(0);
    for (let x = 0; x < n; x++) weight[rng.int(n)]++;
    const [r, c] = values(weight);
    r.forEach((v, m) => (stats[m][b] = c[m] - v));
  }
  const deltas = classMetricNames(ks).map((metric, m) => ({ metric, reference: ref[m], candidate: cand[m], delta: cand[m] - ref[m], ci: percentileEstimate(cand[m] - ref[m], stats[m], opts.level).ci }));
  const top1Changed = orders[0].reduce((k, o, c) => k + (o[0] !== orders[1][c][0] ? 1 : 0), 0);
  return { deltas, top1Changed };
}

/** Class retrieval from zero-shot scores [n, K] (any monotone function of the cosine) and labels [n]. */
export function classRetrieval(scores: Float32Array, labels: Int32Array, numClasses: number, opts: { ks?: readonly number[]; seed: number; resamples: number; keepTop?: number; level?: number }): ClassRetrievalResult {
  const n = labels.length;
  const ks = [...(opts.ks ?? DEFAULT_CLASS_KS)];
  const level = opts.level ?? 0.95;
  const orders = Array.from({ length: numClasses }, (_, c) => rankImages(scores, numClasses, c));
  const relevantOf = (c: number) => (i: number) => labels[i] === c;
  const full = orders.map((o, c) => rankingValues(o, relevantOf(c), ks));
  // Bootstrap: one multiset of images per resample, shared by every class (so the overall means pair up).
  const B = opts.resamples;
  const boot = { ap: full.map(() => [] as number[]), p: full.map(() => ks.map(() => [] as number[])), r: full.map(() => ks.map(() => [] as number[])) };
  const bootAll = { map: [] as number[], p: ks.map(() => [] as number[]), r: ks.map(() => [] as number[]) };
  const rng = new Rng(opts.seed);
  const weight = new Int32Array(n);
  for (let b = 0; b < B; b++) {
    weight.fill(0);
    for (let x = 0; x < n; x++) weight[rng.int(n)]++;
    const vals = orders.map((o, c) => rankingValues(o, relevantOf(c), ks, weight));
    vals.forEach((v, c) => {
      boot.ap[c].push(v.ap);
      ks.forEach((_, x) => {
        boot.p[c][x].push(v.precisionAt[x]);
        boot.r[c][x].push(v.recallAt[x]);
      });
    });
    const all = overallValues(vals, ks);
    bootAll.map.push(all.ap);
    ks.forEach((_, x) => {
      bootAll.p[x].push(all.precisionAt[x]);
      bootAll.r[x].push(all.recallAt[x]);
    });
  }
  const fullAll = overallValues(full, ks);
  const relevant = Array.from({ length: numClasses }, () => 0);
  for (const y of labels) relevant[y]++;
  const keep = Math.min(opts.keepTop ?? 10, n);
  return {
    ks,
    relevant,
    perClass: full.map((v, c) => ({
      ap: percentileEstimate(v.ap, boot.ap[c], level),
      precisionAt: ks.map((_, x) => percentileEstimate(v.precisionAt[x], boot.p[c][x], level)),
      recallAt: ks.map((_, x) => percentileEstimate(v.recallAt[x], boot.r[c][x], level)),
    })),
    overall: {
      map: percentileEstimate(fullAll.ap, bootAll.map, level),
      precisionAt: ks.map((_, x) => percentileEstimate(fullAll.precisionAt[x], bootAll.p[x], level)),
      recallAt: ks.map((_, x) => percentileEstimate(fullAll.recallAt[x], bootAll.r[x], level)),
    },
    top: orders.map((o) => o.slice(0, keep)),
  };
}
