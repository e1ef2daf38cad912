/**
 * Blur corruptions of make_cifar_c.py (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py):
 * gaussian_blur, defocus_blur, zoom_blur (deterministic, reproduced to the uint8 level), glass_blur and
 * motion_blur (seeded).
 */
import type { RawImage } from '../../datasets/types.ts';
import { toRGB } from '../../model/preprocess/convert.ts';
import type { Rng } from '../../util/rng.ts';
import { BORDER, fromUnitFloat, toUnitFloat, type FloatImage } from '../float-image.ts';
import { correlate2d, gaussianFilter } from '../filters.ts';
import { motionBlur as imageMagickMotionBlur } from '../motion-blur.ts';
import { randint, uniform } from '../random.ts';
import { clippedZoom, numpyArange } from '../zoom.ts';

/** skimage.filters.gaussian(x / 255, σ, multichannel=True): mode 'nearest', truncate 4. */
export function gaussianBlur(img: RawImage, p: { sigma: number }): RawImage {
  return fromUnitFloat(gaussianFilter(toUnitFloat(img), p.sigma));
}

/**
 * make_cifar_c.py `disk`: the aliased disk X² + Y² ≤ r² on a 17×17 grid (r ≤ 8; else −r..r),
 * normalised in float32, then cv2.GaussianBlur with a 3×3 (r > 8: 5×5) kernel of σ = alias_blur,
 * BORDER_REFLECT_101, float32 throughout.
 */
export function defocusKernel(radius: number, aliasBlur: number): { kernel: Float64Array; size: number } {
  const offsets = radius <= 8 ? numpyArange(-8, 9, 1) : numpyArange(-radius, radius + 1, 1);
  const ksize = radius <= 8 ? 3 : 5;
  const n = offsets.length;
  const disk = new Float64Array(n * n);
  let count = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      if (offsets[i] ** 2 + offsets[j] ** 2 <= radius ** 2) {
        disk[j * n + i] = 1;
        count++;
      }
    }
  }
  const inv = Math.fround(1 / count);
  for (let k = 0; k < disk.length; k++) if (disk[k] !== 0) disk[k] = Math.fround(disk[k] * inv);
  // cv2.getGaussianKernel(ksize, sigma, CV_32F)
  const g = new Float64Array(ksize);
  let gsum = 0;
  for (let i = 0; i < ksize; i++) {
    const x = i - (ksize - 1) / 2;
    g[i] = Math.exp((-0.5 / (aliasBlur * aliasBlur)) * x * x);
    gsum += g[i];
  }
  for (let i = 0; i < ksize; i++) g[i] = Math.fround(g[i] / gsum);
  const half = ksize >> 1;
  const pass = (src: Float64Array, horizontal: boolean): Float64Array => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let t = 0; t < ksize; t++) {
          const yy = horizontal ? y : BORDER.reflect101(y + t - half, n);
          const xx = horizontal ? BORDER.reflect101(x + t - half, n) : x;
          s = Math.fround(s + Math.fround(g[t] * src[yy * n + xx]));
        }
        out[y * n + x] = s;
      }
    }
    return out;
  };
  return { kernel: pass(pass(disk, true), false), size: n };
}

const defocusKernels = new Map<string, { kernel: Float64Array; size: number }>();

/** cv2.filter2D of x / 255 with the defocus disk, per channel. */
export function defocusBlur(img: RawImage, p: { radius: number; aliasBlur: number }): RawImage {
  const key = `${p.radius}:${p.aliasBlur}`;
  let k = defocusKernels.get(key);
  if (!k) defocusKernels.set(key, (k = defocusKernel(p.radius, p.aliasBlur)));
  const { kernel, size } = k;
  return fromUnitFloat(correlate2d(toUnitFloat(img), kernel, size, size));
}

/**
 * Mean of the image and its clipped zooms by each factor of np.arange(1, maxZoom, step) (float
 * arange: e.g. (1, 1.06, 0.01) has 7 factors, 1.00 … 1.06), all in float32 as the original.
 */
export function zoomBlur(img: RawImage, p: { maxZoom: number; step: number }): RawImage {
  const factors = numpyArange(1, p.maxZoom, p.step);
  const f = toUnitFloat(img);
  const x = f.data;
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]);
  const acc = new Float64Array(x.length);
  const zoomed = new Float64Array(x.length);
  for (const z of factors) {
    clippedZoom(f, z, zoomed);
    for (let i = 0; i < acc.length; i++) acc[i] = Math.fround(acc[i] + Math.fround(zoomed[i]));
  }
  const denom = factors.length + 1;
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(Math.fround(x[i] + acc[i]) / denom);
  return fromUnitFloat32(out, f);
}

/** `np.clip(x, 0, 1) * 255` in float32, then np.uint8. */
function fromUnitFloat32(d: Float64Array, like: FloatImage): RawImage {
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    out[i] = v > 0 ? (v < 1 ? Math.fround(v * 255) : 255) : 0;
  }
  return { data: out, width: like.width, height: like.height, channels: 3 };
}

/**
 * Gaussian blur, then `iterations` sweeps from the bottom-right corner that replace pixel (h, w) with
 * the pixel (h + dy, w + dx), dx, dy = randint(−δ, δ) (so in −δ … δ−1); the original's tuple "swap"
 * of two NumPy views assigns the first and then copies it back, so it is a copy. Then blurred again.
 */
export function glassBlur(img: RawImage, p: { sigma: number; maxDelta: number; iterations: number }, rng: Rng): RawImage {
  const first = gaussianFilter(toUnitFloat(img), p.sigma);
  const { width: w, height: h } = first;
  const x = new Uint8Array(first.data.length);
  for (let i = 0; i < x.length; i++) x[i] = first.data[i] * 255; // np.uint8(... * 255): truncation
  const d = p.maxDelta;
  for (let it = 0; it < p.iterations; it++) {
    for (let yy = h - d; yy > d; yy--) {
      for (let xx = w - d; xx > d; xx--) {
        const dx = randint(rng, -d, d);
        const dy = randint(rng, -d, d);
        const dst = (yy * w + xx) * 3;
        const src = ((yy + dy) * w + xx + dx) * 3;
        x[dst] = x[src];
        x[dst + 1] = x[src + 1];
        x[dst + 2] = x[src + 2];
      }
    }
  }
  return gaussianBlur({ data: x, width: w, height: h, channels: 3 }, p);
}

/** ImageMagick motion blur of the RGB image at an angle drawn uniformly from (−45°, 45°). */
export function motionBlur(img: RawImage, p: { radius: number; sigma: number }, rng: Rng): RawImage {
  return imageMagickMotionBlur(toRGB(img), p.radius, p.sigma, uniform(rng, -45, 45));
}
