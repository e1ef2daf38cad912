import { Rng } from '../util/rng.ts';

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator); NaN for fewer than 2 values. */
export function sampleStd(xs: ArrayLike<number>): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - m) * (xs[i] - m);
  return Math.sqrt(ss / (xs.length - 1));
}

export interface BootstrapOptions {
  seed: number;
  /** Default 1000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
}

export interface BootstrapInterval {
  /** The statistic on the data itself. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
}

/**
 * A statistic of per-example values that the bootstrap recomputes on every resample. `resampled` draws
 * n row indices with replacement from `rng` and evaluates the statistic on exactly those rows, so a
 * ratio-type metric (balanced accuracy) is recomputed from the resample's own class counts instead of
 * reusing weights fixed on the full sample — which can push a "resampled" balanced accuracy above 1.
 */
export interface ResampledStatistic {
  full(values: ArrayLike<number>): number;
  resampled(values: ArrayLike<number>, rng: Rng): number;
}

/** The mean (top-1 accuracy of 0/1 correctness). */
export const meanStatistic: ResampledStatistic = {
  full: (values) => mean(values),
  resampled(values, rng) {
    const n = values.length;
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    return s / n;
  },
};

/**
 * Balanced accuracy of 0/1 correctness: the mean recall over the classes present (CLIP_benchmark's
 * `balanced_accuracy_score`). On a resample, "present" means present in the resample.
 */
export function balancedAccuracyStatistic(labels: Int32Array, numClasses: number): ResampledStatistic {
  const hits = new Float64Array(numClasses);
  const totals = new Float64Array(numClasses);
  const finish = (): number => {
    let sum = 0;
    let present = 0;
    for (let c = 0; c < numClasses; c++) {
      if (totals[c] === 0) continue;
      sum += hits[c] / totals[c];
      present++;
    }
    return present === 0 ? NaN : sum / present;
  };
  const check = (values: ArrayLike<number>) => {
    if (values.length !== labels.length) throw new Error(`balanced accuracy: ${values.length} values but ${labels.length} labels`);
  };
  return {
    full(values) {
      check(values);
      hits.fill(0);
      totals.fill(0);
      for (let i = 0; i < values.length; i++) {
        totals[labels[i]]++;
        hits[labels[i]] += values[i];
      }
      return finish();
    },
    resampled(values, rng) {
      check(values);
      hits.fill(0);
      totals.fill(0);
      const n = values.length;
      for (let i = 0; i < n; i++) {
        const j = rng.int(n);
        totals[labels[j]]++;
        hits[labels[j]] += values[j];
      }
      return finish();
    },
  };
}

/**
 * Paired ratio mean(after) / mean(before) (e.g. the fraction of clean accuracy retained under a shift),
 * on values encoded per example as before + 2·after (both 0/1, same test rows), so one resample keeps
 * each example's pair together.
 */
export const pairedRatioStatistic: ResampledStatistic = {
  full(values) {
    let b = 0;
    let a = 0;
    for (let i = 0; i < values.length; i++) {
      b += values[i] & 1;
      a += values[i] >> 1;
    }
    return b === 0 ? NaN : a / b;
  },
  resampled(values, rng) {
    const n = values.length;
    let b = 0;
    let a = 0;
    for (let i = 0; i < n; i++) {
      const v = values[rng.int(n)];
      b += v & 1;
      a += v >> 1;
    }
    return b === 0 ? NaN : a / b;
  },
};

/**
 * Percentile bootstrap of one classifier's statistic over test examples (e.g. zero-shot top-1): resample
 * the n examples with replacement, recompute the statistic, report the α/2 and 1 − α/2 quantiles.
 */
export function bootstrapMeanCI(values: ArrayLike<number>, options: BootstrapOptions, statistic: ResampledStatistic = meanStatistic): BootstrapInterval {
  const n = values.length;
  if (n === 0) throw new Error('bootstrapMeanCI: no values');
  const B = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const rng = new Rng(options.seed);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) stats[b] = statistic.resampled(values, rng);
  return interval(statistic.full(values), stats, level);
}

/**
 * Two-level percentile bootstrap for a probe evaluated with several seeds (each seed a different
 * k-shot draw, scored on the same test set). Each resample draws S seeds with replacement, then
 * within each drawn seed draws that seed's n test examples with replacement, recomputes the statistic,
 * and averages the S values. The interval so covers both the variability between draws and the finite
 * test set. `perSeed[s]` holds per-example values (0/1 correctness) for seed s.
 */
export function bootstrapSeedsCI(perSeed: ArrayLike<number>[], options: BootstrapOptions, statistic: ResampledStatistic = meanStatistic): BootstrapInterval {
  const S = perSeed.length;
  if (S === 0) throw new Error('bootstrapSeedsCI: no seeds');
  const B = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const rng = new Rng(options.seed);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let total = 0;
    for (let s = 0; s < S; s++) total += statistic.resampled(perSeed[rng.int(S)], rng);
    stats[b] = total / S;
  }
  return interval(mean(perSeed.map((v) => statistic.full(v))), stats, level);
}

/** Linear-interpolated quantile of sorted data (numpy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The percentile interval of bootstrap statistics `all` (sorted in place) around the full-data `estimate`. */
export function interval(estimate: number, all: Float64Array, level: number): BootstrapInterval {
  // A ratio is undefined on resamples whose denominator is 0: the interval is over the others.
  const stats = all.some((x) => !Number.isFinite(x)) ? all.filter((x) => Number.isFinite(x)) : all;
  stats.sort();
  const alpha = 1 - level;
  return {
    estimate,
    lower: quantileSorted(stats, alpha / 2),
    upper: quantileSorted(stats, 1 - alpha / 2),
    level,
    resamples: stats.length,
  };
}

export interface BreakEven {
  /** Shots per class at which the probe curve reaches zero-shot accuracy; null when it never does. */
  shots: number | null;
  /** 'already-above': the probe matches zero-shot at the smallest k tried, so the true point is ≤ it. */
  status: 'crossed' | 'already-above' | 'never';
}

/**
 * Where the mean probe accuracy curve first reaches the zero-shot accuracy, interpolating linearly in
 * log2(shots) between the two bracketing shot counts (the CLIP paper's "zero-shot matches a k-shot
 * probe" comparison, Fig. 6). Shots must be increasing.
 */
export function breakEven(shots: number[], probeMeans: number[], zeroShot: number): BreakEven {
  if (shots.length !== probeMeans.length) throw new Error(`breakEven: ${shots.length} shot counts but ${probeMeans.length} means`);
  for (let i = 0; i < shots.length; i++) {
    if (!(shots[i] > 0)) throw new Error(`breakEven: shot counts must be positive, got ${shots[i]}`);
    if (i > 0 && !(shots[i] > shots[i - 1])) throw new Error(`breakEven: shot counts must increase, got ${shots.join(', ')}`);
  }
  for (let i = 0; i < shots.length; i++) {
    if (probeMeans[i] >= zeroShot) {
      if (i === 0) return { shots: shots[0], status: 'already-above' };
      const t = (zeroShot - probeMeans[i - 1]) / (probeMeans[i] - probeMeans[i - 1]);
      const a = Math.log2(shots[i - 1]);
      const b = Math.log2(shots[i]);
      return { shots: 2 ** (a + t * (b - a)), status: 'crossed' };
    }
  }
  return { shots: null, status: 'never' };
}

/** `breakEven(...).shots`: the smallest k tried when the probe is already at or above zero-shot there. */
export function breakEvenShots(shots: number[], probeMeans: number[], zeroShot: number): number | null {
  return breakEven(shots, probeMeans, zeroShot).shots;
}

/** `interval` as a results-record estimate (mean = the full-data value, std unused: 0). */
export function percentileEstimate(full: number, stats: ArrayLike<number>, level = 0.95): { mean: number; std: number; ci: [number, number] } {
  const iv = interval(full, Float64Array.from(stats), level);
  return { mean: full, std: 0, ci: [iv.lower, iv.upper] };
}
