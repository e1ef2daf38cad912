/**
 * Paired comparison of two classifiers on the same test rows (a reference export and a candidate):
 * the statistics a regression gate needs. Pure functions over per-example predictions and labels.
 * McNemar's test follows McNemar (1947) with the exact binomial form for few discordant pairs (as
 * statsmodels' `mcnemar(exact=True)`) and the continuity-corrected χ² otherwise; negative flips follow
 * Yan et al. 2021 ("Positive-Congruent Training").
 */
import { Rng } from '../util/rng.ts';
import { interval, quantileSorted } from './statistics.ts';

export interface PairedCounts {
  n: number;
  /** Both right. */
  both: number;
  /** Reference right, candidate wrong (negative flips). */
  refOnly: number;
  /** Candidate right, reference wrong (positive flips). */
  candOnly: number;
  /** Both wrong. */
  neither: number;
  /** Same predicted class (right or wrong). */
  agree: number;
}

export function pairedCounts(labels: ArrayLike<number>, ref: ArrayLike<number>, cand: ArrayLike<number>): PairedCounts {
  const n = labels.length;
  if (ref.length !== n || cand.length !== n) throw new Error(`pairedCounts: ${n} labels, ${ref.length} and ${cand.length} predictions`);
  const c: PairedCounts = { n, both: 0, refOnly: 0, candOnly: 0, neither: 0, agree: 0 };
  for (let i = 0; i < n; i++) {
    const r = ref[i] === labels[i];
    const k = cand[i] === labels[i];
    if (r && k) c.both++;
    else if (r) c.refOnly++;
    else if (k) c.candOnly++;
    else c.neither++;
    if (ref[i] === cand[i]) c.agree++;
  }
  return c;
}

/** ln C(n, k), exact enough for binomial tails at any n here. */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/** Upper tail of the standard normal's square: P(χ²₁ ≥ x) = erfc(√(x/2)). */
function chi2Sf1(x: number): number {
  return erfc(Math.sqrt(x / 2));
}

/** Complementary error function (W. J. Cody's rational approximations via Numerical Recipes' erfcc; |ε| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

export interface McNemar {
  method: 'exact' | 'chi2-cc';
  statistic: number;
  pValue: number;
  discordant: number;
}

/**
 * McNemar's test on the discordant pairs b (reference only right) and c (candidate only right): exact
 * two-sided binomial p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½), when b + c < `exactBelow`;
 * else χ² = (|b − c| − 1)² / (b + c) with one degree of freedom. No discordant pairs: p = 1.
 */
export function mcnemar(b: number, c: number, exactBelow = 25): McNemar {
  const m = b + c;
  if (m === 0) return { method: 'exact', statistic: 0, pValue: 1, discordant: 0 };
  if (m < exactBelow) {
    const k = Math.min(b, c);
    let tail = 0;
    for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(m, i) - m * Math.LN2);
    return { method: 'exact', statistic: k, pValue: Math.min(1, 2 * tail), discordant: m };
  }
  const stat = (Math.abs(b - c) - 1) ** 2 / m;
  return { method: 'chi2-cc', statistic: stat, pValue: chi2Sf1(stat), discordant: m };
}

/**
 * Δ top-1 (candidate − reference) with a paired percentile bootstrap over test rows: each resample keeps
 * both classifiers' outcome on the same row together.
 */
export function pairedDeltaCI(labels: ArrayLike<number>, ref: ArrayLike<number>, cand: ArrayLike<number>, seed: number, resamples = 1000, level = 0.95) {
  const n = labels.length;
  const d = new Int8Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = (cand[i] === labels[i] ? 1 : 0) - (ref[i] === labels[i] ? 1 : 0);
    sum += d[i];
  }
  const rng = new Rng(seed);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    stats[b] = s / n;
  }
  const iv = interval(sum / n, stats, level);
  return { delta: sum / n, ci: [iv.lower, iv.upper] as [number, number] };
}

/** Cosine of each row pair of two [n, d] embedding matrices, and their summary (min, 1st percentile, mean). */
export function rowCosines(a: Float32Array, b: Float32Array, d: number) {
  if (a.length !== b.length || a.length % d !== 0) throw new Error(`rowCosines: shapes ${a.length} and ${b.length} for d = ${d}`);
  const n = a.length / d;
  const cos = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      ab += a[j] * b[j];
      aa += a[j] * a[j];
      bb += b[j] * b[j];
    }
    cos[i] = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
  }
  const sorted = Float64Array.from(cos).sort();
  return { cosines: cos, min: sorted[0], p01: quantileSorted(sorted, 0.01), mean: cos.reduce((x, y) => x + y, 0) / n };
}

/** Signal-to-quantisation-noise ratio in dB of a candidate against a reference signal: 10·log10(Σ r² / Σ (r − c)²). */
export function sqnrDb(reference: Float32Array, candidate: Float32Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < reference.length; i++) {
    s += reference[i] * reference[i];
    e += (reference[i] - candidate[i]) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}
