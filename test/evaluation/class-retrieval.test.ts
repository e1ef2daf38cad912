import { describe, expect, it } from 'vitest';
import { classMetricNames, classRetrieval, pairedClassRetrieval, rankingValues } from '../../src/evaluation/class-retrieval.ts';
import { Rng } from '../../src/util/rng.ts';

describe('class retrieval: AP, precision@k, recall@k', () => {
  it('AP is the mean precision at each relevant rank', () => {
    // Relevant at ranks 1, 3, 4 of 5: (1/1 + 2/3 + 3/4) / 3.
    const rel = new Set([10, 12, 13]);
    const v = rankingValues(Int32Array.from([10, 11, 12, 13, 14]), (i) => rel.has(i), [1, 2, 5]);
    expect(v.ap).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 12);
    expect(v.precisionAt).toEqual([1, 0.5, 0.6]);
    expect(v.recallAt.map((x) => +x.toFixed(6))).toEqual([+(1 / 3).toFixed(6), +(1 / 3).toFixed(6), 1]);
  });

  it('weights count copies of an image (a bootstrap resample) as adjacent ranks', () => {
    const order = Int32Array.from([0, 1, 2]);
    const rel = (i: number) => i !== 1;
    // Copies: 0 twice, 1 once, 2 not drawn → ranking R R N: AP 1.
    expect(rankingValues(order, rel, [2], Int32Array.from([2, 1, 0])).ap).toBe(1);
    // 0 once, 1 twice, 2 once → R N N R: (1 + 2/4)/2.
    expect(rankingValues(order, rel, [2], Int32Array.from([1, 2, 1])).ap).toBeCloseTo(0.75, 12);
  });

  it('per-class and overall values from scores [n, K], with intervals around them', () => {
    // 6 images, 2 classes; class 0's column ranks images 0,1,3,2,4,5; class 1's ranks 5,4,2,3,1,0.
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const col0 = [0.9, 0.8, 0.5, 0.6, 0.2, 0.1];
    const col1 = [0.0, 0.1, 0.4, 0.3, 0.8, 0.9];
    const scores = Float32Array.from(col0.flatMap((x, i) => [x, col1[i]]));
    const r = classRetrieval(scores, labels, 2, { ks: [1, 3], seed: 1, resamples: 300 });
    expect(r.relevant).toEqual([3, 3]);
    expect(r.perClass[0].ap.mean).toBeCloseTo((1 + 1 + 3 / 4) / 3, 6);
    expect(r.perClass[1].ap.mean).toBeCloseTo((1 + 1 + 3 / 4) / 3, 6);
    expect(r.perClass[0].precisionAt[1].mean).toBeCloseTo(2 / 3, 6);
    expect(r.overall.map.mean).toBeCloseTo((1 + 1 + 3 / 4) / 3, 6);
    expect(Array.from(r.top[1].slice(0, 3))).toEqual([5, 4, 2]);
    expect(r.overall.map.ci[0]).toBeLessThan(r.overall.map.mean + 1e-12);
    expect(r.overall.map.ci[1]).toBeLessThanOrEqual(1);
    expect(r.overall.map.ci[1] - r.overall.map.ci[0]).toBeGreaterThan(0);
  });

  it('paired: Δ of every overall metric is the difference of the two sides\' own values, zero with a zero CI for identical scores', () => {
    const rng = new Rng(5);
    const n = 60;
    const K = 3;
    const labels = Int32Array.from({ length: n }, (_, i) => i % K);
    // The reference's scores favour the true class a little, the candidate's more: its mAP is higher.
    const scores = (signal: number) => Float32Array.from({ length: n * K }, (_, x) => rng.next() + (labels[Math.floor(x / K)] === x % K ? signal : 0));
    const [a, b] = [scores(0.2), scores(0.6)];
    const ks = [1, 5, 10];
    const p = pairedClassRetrieval(a, b, labels, K, { ks, seed: 1, resamples: 200 });
    const [ra, rb] = [a, b].map((s) => classRetrieval(s, labels, K, { ks, seed: 1, resamples: 1 }).overall);
    const flat = (o: typeof ra) => [o.map.mean, ...o.precisionAt.map((e) => e.mean), ...o.recallAt.map((e) => e.mean)];
    expect(p.deltas.map((d) => d.metric)).toEqual(classMetricNames(ks));
    p.deltas.forEach((d, m) => {
      expect(d.reference).toBeCloseTo(flat(ra)[m], 12);
      expect(d.candidate).toBeCloseTo(flat(rb)[m], 12);
      expect(d.delta).toBeCloseTo(flat(rb)[m] - flat(ra)[m], 12);
    });
    const map = p.deltas[0];
    expect(map.delta).toBeGreaterThan(0);
    expect(map.ci[0]).toBeLessThanOrEqual(map.delta);
    expect(map.ci[1]).toBeGreaterThanOrEqual(map.delta);
    const same = pairedClassRetrieval(a, a, labels, K, { ks, seed: 1, resamples: 50 });
    expect(same.top1Changed).toBe(0);
    for (const d of same.deltas) expect([d.delta, ...d.ci]).toEqual([0, 0, 0]);
  });
});
