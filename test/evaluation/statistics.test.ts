import { describe, expect, it } from 'vitest';
import { bootstrapMeanCI, bootstrapSeedsCI, breakEven, breakEvenShots, mean, sampleStd } from '../../src/evaluation/statistics.ts';
import { Rng } from '../../src/util/rng.ts';

function bernoulli(seed: number, n: number, p: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
}

describe('statistics', () => {
  it('mean and sample std (n − 1)', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleStd([3])).toBeNaN();
  });

  it('bootstrap interval contains the mean and is reproducible for a seed', () => {
    const v = bernoulli(1, 500, 0.8);
    const ci = bootstrapMeanCI(v, { seed: 3 });
    expect(ci.estimate).toBeCloseTo(mean(v), 12);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(bootstrapMeanCI(v, { seed: 3 })).toEqual(ci);
  });

  it('bootstrap interval narrows as the test set grows (≈ 1/√n)', () => {
    const small = bootstrapMeanCI(bernoulli(2, 200, 0.7), { seed: 1 });
    const large = bootstrapMeanCI(bernoulli(2, 5000, 0.7), { seed: 1 });
    const ws = small.upper - small.lower;
    const wl = large.upper - large.lower;
    expect(wl).toBeLessThan(ws / 3); // √25 = 5, allow slack
    // Normal approximation of the 95% width for n = 5000: 2·1.96·√(0.21/5000) ≈ 0.0254.
    expect(wl).toBeGreaterThan(0.02);
    expect(wl).toBeLessThan(0.031);
  });

  it('seed-level bootstrap is wider than one seed alone when seeds disagree', () => {
    const seeds = [bernoulli(1, 2000, 0.6), bernoulli(2, 2000, 0.7), bernoulli(3, 2000, 0.8)];
    const ci = bootstrapSeedsCI(seeds, { seed: 5 });
    const one = bootstrapMeanCI(seeds[1], { seed: 5 });
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci.upper - ci.lower).toBeGreaterThan(2 * (one.upper - one.lower));
  });

  it('break-even interpolates in log2(shots)', () => {
    // 0.75 lies halfway between 4 shots (0.7) and 8 shots (0.8): 2^2.5.
    expect(breakEvenShots([1, 2, 4, 8, 16], [0.5, 0.6, 0.7, 0.8, 0.9], 0.75)).toBeCloseTo(2 ** 2.5, 12);
    expect(breakEvenShots([1, 2, 4], [0.5, 0.6, 0.7], 0.6)).toBe(2);
  });

  it('break-even is null when the probe never reaches zero-shot', () => {
    expect(breakEven([1, 2, 4], [0.1, 0.2, 0.3], 0.9)).toEqual({ shots: null, status: 'never' });
  });

  it('break-even flags a probe already above zero-shot at the smallest k', () => {
    expect(breakEven([1, 2, 4], [0.95, 0.96, 0.97], 0.9)).toEqual({ shots: 1, status: 'already-above' });
  });
});
