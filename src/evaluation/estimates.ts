import type { Estimate } from '../results/schema.ts';
import { balancedAccuracyStatistic, bootstrapMeanCI, bootstrapSeedsCI, mean, pairedRatioStatistic, quantileSorted, sampleStd, type ResampledStatistic } from './statistics.ts';
import { Rng } from '../util/rng.ts';

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

/**
 * Drop (shifted − clean top-1) and retained fraction (shifted ÷ clean) on the same test rows, with
 * paired bootstrap CIs: over examples for one classifier, over seeds and examples for probes.
 * `clean[s]` and `shifted[s]` are seed s's 0/1 correctness on the clean and the shifted rows.
 */
export function shiftEstimates(clean: Uint8Array[], shifted: Uint8Array[], seed: number, resamples: number) {
  const diffs = clean.map((c, s) => Float64Array.from(c, (v, i) => shifted[s][i] - v));
  const pairs = clean.map((c, s) => Uint8Array.from(c, (v, i) => v + 2 * shifted[s][i]));
  const one = clean.length === 1;
  return {
    drop: one ? singleEstimate(diffs[0], seed, resamples) : seedsEstimate(diffs, seed, resamples),
    retained: one ? singleEstimate(pairs[0], seed + 1, resamples, pairedRatioStatistic) : seedsEstimate(pairs, seed + 1, resamples, pairedRatioStatistic),
  };
}

/**
 * Drop and retained fraction when the shifted test set has other rows than the clean one (a natural
 * shift: another dataset's images): each resample draws a seed, then the clean and the shifted rows
 * independently, so the interval covers both test sets' sampling error.
 */
export function unpairedShiftEstimates(clean: Uint8Array[], shifted: Uint8Array[], seed: number, resamples: number) {
  const rng = new Rng(seed);
  const drops = new Float64Array(resamples);
  const ratios = new Float64Array(resamples);
  const resampledMean = (v: Uint8Array) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[rng.int(v.length)];
    return s / v.length;
  };
  for (let b = 0; b < resamples; b++) {
    const s = rng.int(clean.length);
    const c = resampledMean(clean[s]);
    const a = resampledMean(shifted[s]);
    drops[b] = a - c;
    ratios[b] = c > 0 ? a / c : NaN;
  }
  const cleanMeans = clean.map((v) => mean(v));
  const shiftedMeans = shifted.map((v) => mean(v));
  const perSeedDrop = shiftedMeans.map((a, s) => a - cleanMeans[s]);
  const perSeedRatio = shiftedMeans.map((a, s) => a / cleanMeans[s]);
  const est = (values: number[], stats: Float64Array): Estimate => {
    const finite = Float64Array.from(stats.filter((x) => Number.isFinite(x))).sort();
    return {
      mean: mean(values),
      std: values.length > 1 ? sampleStd(values) : 0,
      ci: [quantileSorted(finite, 0.025), quantileSorted(finite, 0.975)],
    };
  };
  return { drop: est(perSeedDrop, drops), retained: est(perSeedRatio, ratios) };
}
