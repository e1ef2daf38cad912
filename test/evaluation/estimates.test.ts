import { describe, expect, it } from 'vitest';
import { probeEstimates, zeroShotEstimates } from '../../src/evaluation/estimates.ts';
import { balancedAccuracyStatistic } from '../../src/evaluation/statistics.ts';

const labelsOf = (counts: number[]) => Int32Array.from(counts.flatMap((n, c) => Array<number>(n).fill(c)));

describe('balanced-accuracy intervals recompute the metric on each resample', () => {
  it('a perfect classifier on imbalanced classes (10/5/3) has balanced accuracy exactly 1 on every resample', () => {
    const labels = labelsOf([10, 5, 3]);
    const correct = new Uint8Array(labels.length).fill(1);
    const z = zeroShotEstimates(correct, labels, 3, 7, 500);
    expect(z.balancedAccuracy).toEqual({ mean: 1, std: 0, ci: [1, 1] });
    const p = probeEstimates([correct, correct], labels, 3, 7, 500);
    expect(p.balancedAccuracy.ci).toEqual([1, 1]);
  });

  it('a classifier that always answers class 0 scores 1/K on every resample (MNIST zero-shot of the demo model)', () => {
    const labels = labelsOf(Array(10).fill(100));
    const correct = Uint8Array.from(labels, (y) => (y === 0 ? 1 : 0));
    const z = zeroShotEstimates(correct, labels, 10, 3, 300);
    expect(z.balancedAccuracy.mean).toBeCloseTo(0.1, 12);
    expect(z.balancedAccuracy.ci[0]).toBeCloseTo(0.1, 12);
    expect(z.balancedAccuracy.ci[1]).toBeCloseTo(0.1, 12);
  });

  it('intervals stay inside [0, 1] and contain the estimate for a noisy classifier on tiny classes', () => {
    const labels = labelsOf([10, 5, 3]);
    const correct = Uint8Array.from(labels, (y, i) => (y === 0 ? i % 3 === 0 : y === 1 ? 1 : i % 2) ? 1 : 0);
    for (const seed of [1, 2, 3]) {
      const p = probeEstimates([correct, correct.map((v) => 1 - v)], labels, 3, seed, 400);
      for (const e of [p.top1, p.balancedAccuracy]) {
        expect(e.ci[0]).toBeGreaterThanOrEqual(0);
        expect(e.ci[1]).toBeLessThanOrEqual(1);
        expect(e.ci[0]).toBeLessThanOrEqual(e.mean);
        expect(e.ci[1]).toBeGreaterThanOrEqual(e.mean);
      }
    }
  });

  it('the full-sample statistic is the mean recall over the classes present', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 2, 2]);
    const correct = Uint8Array.from([1, 1, 1, 0, 1, 0]);
    expect(balancedAccuracyStatistic(labels, 4).full(correct)).toBeCloseTo((0.75 + 0.5) / 2, 12);
  });
});
