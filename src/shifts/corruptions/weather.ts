/**
 * Weather corruptions of make_cifar_c.py (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py):
 * snow, fog (seeded re-implementations) and frost (PROCEDURAL frost texture, not the original
 * frost1.png … frost6.jpg photographs, which this project cannot obtain).
 */
import type { RawImage } from '../../datasets/types.ts';
import { toRGB } from '../../model/preprocess/convert.ts';
import type { Rng } from '../../util/rng.ts';
import { fromByteFloat, fromUnitFloat, toUnitFloat } from '../float-image.ts';
import { motionBlur } from '../motion-blur.ts';
import { plasmaFractal } from '../plasma.ts';
import { fillNormal, uniform } from '../random.ts';
import { clippedZoom } from '../zoom.ts';
import { frostTexture } from '../frost-texture.ts';

export type SnowParams = {
  /** Mean and std of the N(μ, σ²) flake field. */
  mean: number;
  std: number;
  /** clipped_zoom factor of the flake field. */
  zoom: number;
  /** Flake values below this are dropped. */
  threshold: number;
  /** ImageMagick motion blur radius and sigma of the flakes. */
  blurRadius: number;
  blurSigma: number;
  /** Weight of the original image against its whitened version. */
  keep: number;
};

/**
 * Flakes: a Gaussian field, zoomed, thresholded, quantised to 8 bits, motion-blurred at an angle
 * in (−135°, −45°); the image is brightened towards 1.5·grey + 0.5, then the flakes and the flakes
 * rotated by 180° are added.
 */
export function snow(img: RawImage, p: SnowParams, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const { width: w, height: h } = f;
  const x = f.data;
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]);
  const field = new Float64Array(w * h);
  fillNormal(rng, field);
  for (let i = 0; i < field.length; i++) field[i] = p.mean + p.std * field[i];
  const zoomed = clippedZoom({ data: field, width: w, height: h, channels: 1 }, p.zoom);
  const flakes8 = new Uint8Array(w * h);
  for (let i = 0; i < zoomed.length; i++) {
    const v = zoomed[i] < p.threshold ? 0 : zoomed[i];
    flakes8[i] = v > 0 ? (v < 1 ? v * 255 : 255) : 0;
  }
  const angle = uniform(rng, -135, -45);
  const blurred = motionBlur({ data: flakes8, width: w, height: h, channels: 1 }, p.blurRadius, p.blurSigma, angle).data;
  const n = w * h;
  for (let i = 0; i < n; i++) {
    const r = x[i * 3];
    const g = x[i * 3 + 1];
    const b = x[i * 3 + 2];
    // cv2.cvtColor(RGB2GRAY) on float32
    const grey = Math.fround(0.299 * r + 0.587 * g + 0.114 * b);
    const lifted = grey * 1.5 + 0.5;
    const flake = blurred[i] / 255 + blurred[n - 1 - i] / 255;
    for (let ch = 0; ch < 3; ch++) {
      const v = x[i * 3 + ch];
      x[i * 3 + ch] = p.keep * v + (1 - p.keep) * Math.max(v, lifted) + flake;
    }
  }
  return fromUnitFloat(f);
}

/** Plasma-fractal haze: x + a·fractal, rescaled by max/(max + a). */
export function fog(img: RawImage, p: { amount: number; decay: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const { width: w, height: h } = f;
  const x = f.data;
  let max = 0;
  for (const v of x) if (v > max) max = v;
  // The original's 32-sided map suits 32×32 CIFAR; larger images get the next power of two.
  let size = 32;
  while (size < Math.max(w, h)) size *= 2;
  const plasma = plasmaFractal(size, p.decay, rng);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const add = p.amount * plasma[y * size + xx];
      for (let ch = 0; ch < 3; ch++) {
        const i = (y * w + xx) * 3 + ch;
        x[i] = ((x[i] + add) * max) / (max + p.amount);
      }
    }
  }
  return fromUnitFloat(f);
}

/** clip(a·x + b·frost) in 0..255, with a procedurally generated frost texture (see frost-texture.ts). */
export function frost(img: RawImage, p: { imageWeight: number; frostWeight: number }, rng: Rng): RawImage {
  const rgb = toRGB(img);
  const tex = frostTexture(rgb.width, rgb.height, rng);
  const x = new Float64Array(tex.length);
  for (let i = 0; i < x.length; i++) x[i] = p.imageWeight * rgb.data[i] + p.frostWeight * tex[i];
  return fromByteFloat({ data: x, width: rgb.width, height: rgb.height, channels: 3 });
}
