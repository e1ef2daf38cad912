import { describe, expect, it } from 'vitest';
import { mcnemar, pairedCounts, pairedDeltaCI, rowCosines, sqnrDb } from '../../src/evaluation/paired.ts';

// Reference values from scipy 1.10: 2·binom.cdf(min(b, c), b + c, 0.5) and chi2.sf((|b − c| − 1)² / (b + c), 1).
describe('McNemar\'s test on discordant pairs', () => {
  it('uses the exact two-sided binomial below 25 discordant pairs', () => {
    expect(mcnemar(3, 9)).toMatchObject({ method: 'exact', discordant: 12 });
    expect(mcnemar(3, 9).pValue).toBeCloseTo(0.14599609375, 12);
    expect(mcnemar(10, 10).pValue).toBe(1);
    expect(mcnemar(0, 0)).toEqual({ method: 'exact', statistic: 0, pValue: 1, discordant: 0 });
  });
  it('uses the continuity-corrected χ² from 25 discordant pairs', () => {
    const a = mcnemar(30, 15);
    expect(a.method).toBe('chi2-cc');
    expect(a.statistic).toBeCloseTo(4.355555555555555, 12);
    expect(a.pValue).toBeCloseTo(0.036888425707049914, 6);
    expect(mcnemar(100, 140).pValue).toBeCloseTo(0.01182113783662232, 6);
  });
});

describe('paired counts, Δ and flips', () => {
  const labels = [0, 1, 2, 0, 1, 2, 0, 1];
  const ref = [0, 1, 2, 0, 0, 0, 1, 1];
  const cand = [0, 1, 0, 0, 1, 0, 0, 2];
  it('counts agreement and both kinds of flips', () => {
    expect(pairedCounts(labels, ref, cand)).toEqual({ n: 8, both: 3, refOnly: 2, candOnly: 2, neither: 1, agree: 4 });
  });
  it('Δ top-1 is candidate − reference with a paired bootstrap interval around it', () => {
    const r = pairedDeltaCI(labels, ref, cand, 1, 500);
    expect(r.delta).toBe(0);
    expect(r.ci[0]).toBeLessThanOrEqual(0);
    expect(r.ci[1]).toBeGreaterThanOrEqual(0);
    expect(pairedDeltaCI(labels, ref, ref, 1, 200)).toEqual({ delta: 0, ci: [0, 0] });
  });
});

describe('embedding agreement', () => {
  it('identical embeddings have cosine 1 and infinite SQNR; a scaled copy keeps cosine 1', () => {
    const a = Float32Array.from([1, 2, 3, -1, 0.5, 2]);
    expect(rowCosines(a, a, 3)).toMatchObject({ min: 1, mean: 1 });
    expect(rowCosines(a, a.map((x) => 2 * x), 3).min).toBeCloseTo(1, 12);
    expect(sqnrDb(a, a)).toBe(Infinity);
  });
  it('SQNR is 10·log10(signal / error) in dB', () => {
    const r = Float32Array.from([3, 4]);
    expect(sqnrDb(r, Float32Array.from([3, 3]))).toBeCloseTo(10 * Math.log10(25 / 1), 9);
  });
});
