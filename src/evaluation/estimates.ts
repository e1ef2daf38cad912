import type { Estimate } from '../results/schema.ts';
import { bootstrapMeanCI, bootstrapSeedsCI, mean, sampleStd } from './statistics.ts';

/**
 * Per-example weights w with mean(w · correct) = balanced accuracy (mean recall over the classes
 * present): w_i = n / (K_present · n_{y_i}). Bootstrapping w · correct gives a balanced-accuracy
 * interval with the same machinery as top-1 (an approximation: class counts vary across resamples).
 */
export function balancedWeights(labels: Int32Array, numClasses: number): Float64Array {
  const counts = new Float64Array(numClasses);
  for (const y of labels) counts[y]++;
  const present = counts.filter((c) => c > 0).length;
  const n = labels.length;
  return Float64Array.from(labels, (y) => n / (present * counts[y]));
}

function weighted(correct: Uint8Array, w: Float64Array): Float64Array {
  return Float64Array.from(correct, (c, i) => c * w[i]);
}

/** One deterministic classifier (zero-shot): std 0, CI by bootstrap over test examples. */
export function singleEstimate(values: ArrayLike<number>, seed: number, resamples: number): Estimate {
  const ci = bootstrapMeanCI(values, { seed, resamples });
  return { mean: ci.estimate, std: 0, ci: [ci.lower, ci.upper] };
}

/** Several seeds (probes): std over seeds, CI by the two-level bootstrap over seeds and examples. */
export function seedsEstimate(perSeed: ArrayLike<number>[], seed: number, resamples: number): Estimate {
  const ci = bootstrapSeedsCI(perSeed, { seed, resamples });
  const means = perSeed.map((v) => mean(v));
  const std = means.length > 1 ? sampleStd(means) : 0;
  return { mean: ci.estimate, std, ci: [ci.lower, ci.upper] };
}

export function zeroShotEstimates(correct: Uint8Array, labels: Int32Array, numClasses: number, seed: number, resamples: number) {
  return {
    top1: singleEstimate(correct, seed, resamples),
    balancedAccuracy: singleEstimate(weighted(correct, balancedWeights(labels, numClasses)), seed + 1, resamples),
  };
}

export function probeEstimates(correct: Uint8Array[], labels: Int32Array, numClasses: number, seed: number, resamples: number) {
  const w = balancedWeights(labels, numClasses);
  return {
    top1: seedsEstimate(correct, seed, resamples),
    balancedAccuracy: seedsEstimate(correct.map((c) => weighted(c, w)), seed + 1, resamples),
  };
}

/** Mean and std of a per-seed statistic without an interval source (e.g. top-5): CI = min..max over seeds. */
export function spreadEstimate(values: number[]): Estimate {
  return {
    mean: mean(values),
    std: values.length > 1 ? sampleStd(values) : 0,
    ci: [Math.min(...values), Math.max(...values)],
  };
}
