import type { Estimate } from '../results/schema.ts';
import { balancedAccuracyStatistic, bootstrapMeanCI, bootstrapSeedsCI, mean, sampleStd, type ResampledStatistic } from './statistics.ts';

/** One deterministic classifier (zero-shot): std 0, CI by bootstrap over test examples. */
export function singleEstimate(values: ArrayLike<number>, seed: number, resamples: number, statistic?: ResampledStatistic): Estimate {
  const ci = bootstrapMeanCI(values, { seed, resamples }, statistic);
  return { mean: ci.estimate, std: 0, ci: [ci.lower, ci.upper] };
}

/** Several seeds (probes): std over seeds, CI by the two-level bootstrap over seeds and examples. */
export function seedsEstimate(perSeed: ArrayLike<number>[], seed: number, resamples: number, statistic?: ResampledStatistic): Estimate {
  const ci = bootstrapSeedsCI(perSeed, { seed, resamples }, statistic);
  const values = perSeed.map((v) => (statistic ? statistic.full(v) : mean(v)));
  const std = values.length > 1 ? sampleStd(values) : 0;
  return { mean: ci.estimate, std, ci: [ci.lower, ci.upper] };
}

export function zeroShotEstimates(correct: Uint8Array, labels: Int32Array, numClasses: number, seed: number, resamples: number) {
  return {
    top1: singleEstimate(correct, seed, resamples),
    balancedAccuracy: singleEstimate(correct, seed + 1, resamples, balancedAccuracyStatistic(labels, numClasses)),
  };
}

export function probeEstimates(correct: Uint8Array[], labels: Int32Array, numClasses: number, seed: number, resamples: number) {
  return {
    top1: seedsEstimate(correct, seed, resamples),
    balancedAccuracy: seedsEstimate(correct, seed + 1, resamples, balancedAccuracyStatistic(labels, numClasses)),
  };
}
