import { describe, expect, it } from 'vitest';
import { corruptionSummary, effectiveRobustness, fitLogitLinear, logit, sigmoid } from '../../src/evaluation/robustness.ts';

describe('effective robustness (Taori et al. 2020): shifted accuracy above the logit-linear trend of the baselines', () => {
  const onLine = (clean: number, slope: number, intercept: number) => ({ clean, shifted: sigmoid(slope * logit(clean) + intercept) });

  it('recovers an exact logit-linear trend and measures the distance of a point above it', () => {
    const baselines = [0.3, 0.5, 0.7, 0.9].map((c) => onLine(c, 0.8, -1));
    const fit = fitLogitLinear(baselines)!;
    expect(fit.slope).toBeCloseTo(0.8, 9);
    expect(fit.intercept).toBeCloseTo(-1, 9);
    expect(fit.r2).toBeCloseTo(1, 9);
    const zs = { clean: 0.6, shifted: onLine(0.6, 0.8, -1).shifted + 0.05 };
    const er = effectiveRobustness(baselines, zs);
    expect(er.value).toBeCloseTo(0.05, 9);
    expect(er.flag).toBeUndefined();
  });

  it('a point on the trend has zero effective robustness', () => {
    const baselines = [0.2, 0.4, 0.8].map((c) => onLine(c, 1.2, -0.5));
    expect(effectiveRobustness(baselines, onLine(0.55, 1.2, -0.5)).value).toBeCloseTo(0, 9);
  });

  it('flags fits through fewer than 3 distinct points, poor fits, and refuses a single point', () => {
    expect(effectiveRobustness([onLine(0.3, 1, 0), onLine(0.6, 1, 0)], { clean: 0.5, shifted: 0.5 }).flag).toMatch(/only 2 distinct/);
    const scattered = [
      { clean: 0.3, shifted: 0.6 },
      { clean: 0.5, shifted: 0.1 },
      { clean: 0.7, shifted: 0.55 },
      { clean: 0.9, shifted: 0.2 },
    ];
    expect(effectiveRobustness(scattered, { clean: 0.5, shifted: 0.5 }).flag).toMatch(/poor logit-linear fit \(R² = /);
    const one = effectiveRobustness([{ clean: 0.5, shifted: 0.4 }, { clean: 0.5, shifted: 0.3 }], { clean: 0.6, shifted: 0.5 });
    expect(one.value).toBeNull();
    expect(one.flag).toMatch(/1 distinct clean accuracy/);
  });

  it('clamps accuracies of 0 and 1 before the logit instead of producing infinities', () => {
    const er = effectiveRobustness([{ clean: 0, shifted: 0 }, { clean: 0.5, shifted: 0.3 }, { clean: 1, shifted: 0.9 }], { clean: 1, shifted: 1 });
    expect(Number.isFinite(er.value!)).toBe(true);
  });
});

describe('corruption summaries', () => {
  it('averages severities per corruption, keeps the extras apart, and reports unnormalised mCE = 1 − mCA', () => {
    const s = corruptionSummary([
      { corruption: 'gaussian_noise', severity: 1, group: 'corruptions', top1: 0.8 },
      { corruption: 'gaussian_noise', severity: 5, group: 'corruptions', top1: 0.4 },
      { corruption: 'fog', severity: 3, group: 'corruptions', top1: 0.5 },
      { corruption: 'saturate', severity: 2, group: 'extra', top1: 0.9 },
    ]);
    const noise = s.perCorruption.find((c) => c.corruption === 'gaussian_noise')!;
    expect(noise.severities).toEqual([1, 5]);
    expect(noise.meanTop1).toBeCloseTo(0.6, 12);
    expect(s.mCA).toBeCloseTo(0.55, 12);
    expect(s.mCE).toBeCloseTo(0.45, 12);
    expect(s.mCAExtra).toBeCloseTo(0.9, 12);
    expect(s.corruptionsCovered).toBe(2);
  });
});
