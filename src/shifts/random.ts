/**
 * Per-image randomness for the seeded corruptions. The stream of one corrupted image depends only
 * on (seed, dataset identity, split, row index, corruption, severity), never on batch size, worker
 * count or sharding. The draws stand in for make_cifar_c.py's np.random calls; their distributions
 * are the same, their values are not (the released CIFAR-10-C files were made without a seed).
 */
import { deriveSeed, Rng } from '../util/rng.ts';

export interface CorruptionKey {
  seed: number;
  /** Dataset.identity(split): changes whenever the split's content changes. */
  datasetIdentity: string;
  split: string;
  /** The example's index in its split. */
  row: number;
  corruption: string;
  severity: number;
}

/** The 32-bit seed of one (image, corruption, severity). */
export function corruptionSeed(key: CorruptionKey): number {
  const { seed, datasetIdentity, split, row, corruption, severity } = key;
  return deriveSeed(seed, `shift|${datasetIdentity}|${split}|${row}|${corruption}|${severity}`);
}

/** np.random.uniform(lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** np.random.randint(lo, hi): an integer in [lo, hi). */
export function randint(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo);
}

/**
 * Fill `out` with standard normals, both values of each Box–Muller pair used (half the cost of
 * Rng.normal per value; the draws per image are many).
 */
export function fillNormal(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const t = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** Stirling series for log Γ(x), x > 0 (the form NumPy's random_loggam uses). */
function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  const a = [
    8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4,
    -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059,
  ];
  const n = x < 7 ? Math.trunc(7 - x) : 0;
  let x0 = x + n;
  const x2 = 1 / (x0 * x0);
  let g = a[9];
  for (let k = 8; k >= 0; k--) g = g * x2 + a[k];
  let gl = g / x0 + 0.5 * Math.log(2 * Math.PI) + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 0; k < n; k++) {
    x0 -= 1;
    gl -= Math.log(x0);
  }
  return gl;
}

/**
 * np.random.poisson(lam): multiplication method below 10, Hörmann's PTRS transformed rejection
 * (Hörmann 1993, "The transformed rejection method for generating Poisson random variables") above,
 * as NumPy does.
 */
export function poisson(rng: Rng, lam: number): number {
  if (lam <= 0) return 0;
  if (lam < 10) {
    const limit = Math.exp(-lam);
    let k = 0;
    let prod = rng.next();
    while (prod > limit) {
      k++;
      prod *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - logGamma(k + 1)) return k;
  }
}
