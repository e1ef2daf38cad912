/**
 * Noise corruptions of make_cifar_c.py (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py):
 * gaussian_noise, shot_noise, impulse_noise, speckle_noise. Seeded: same distributions, own draws.
 */
import type { RawImage } from '../../datasets/types.ts';
import type { Rng } from '../../util/rng.ts';
import { fromUnitFloat, toUnitFloat } from '../float-image.ts';
import { fillNormal, poisson } from '../random.ts';

/** x + N(0, σ²) per value, x in [0, 1]. */
export function gaussianNoise(img: RawImage, p: { sigma: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const d = f.data;
  const z = fillNormal(rng, new Float64Array(d.length));
  for (let i = 0; i < d.length; i++) d[i] += p.sigma * z[i];
  return fromUnitFloat(f);
}

/** Poisson(x · photons) / photons per value. */
export function shotNoise(img: RawImage, p: { photons: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const d = f.data;
  for (let i = 0; i < d.length; i++) d[i] = poisson(rng, d[i] * p.photons) / p.photons;
  return fromUnitFloat(f);
}

/**
 * skimage.util.random_noise(mode='s&p', amount, salt_vs_pepper=0.5) as current scikit-image does it:
 * each value independently flipped with probability `amount`, to 1 or 0 with equal odds.
 * (scikit-image ≤ 0.14 placed ceil(amount·size/2) salt and pepper values at random coordinates
 * drawn with randint(0, dim − 1), which never hit the last row, column or channel.)
 */
export function impulseNoise(img: RawImage, p: { amount: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const d = f.data;
  for (let i = 0; i < d.length; i++) {
    const flipped = rng.next() <= p.amount;
    const salted = rng.next() <= 0.5;
    if (flipped) d[i] = salted ? 1 : 0;
  }
  return fromUnitFloat(f);
}

/** x + x · N(0, σ²) per value. */
export function speckleNoise(img: RawImage, p: { sigma: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const d = f.data;
  const z = fillNormal(rng, new Float64Array(d.length));
  for (let i = 0; i < d.length; i++) d[i] += d[i] * p.sigma * z[i];
  return fromUnitFloat(f);
}
