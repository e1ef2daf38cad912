/**
 * ImageMagick's MotionBlurImage (MagickCore/effect.c, the same in IM6 and IM7), which
 * make_cifar_c.py reaches through Wand's MagickMotionBlurImage for motion_blur and snow:
 * - width = 2·ceil(radius) + 1 taps (GetOptimalKernelWidth1D for radius > 0);
 * - a one-sided Gaussian: tap i (0 ≤ i < width) weighs exp(−i²/2σ²), normalised to sum 1;
 * - tap i samples the pixel at offset (ceil(i·cos θ − 0.5), ceil(i·sin θ − 0.5)) (x right, y down),
 *   so the blur trails to one side of each pixel; outside the image, the nearest edge pixel
 *   (the default edge virtual-pixel method);
 * - the sum is rounded to 8 bits when the blob goes back through PNG.
 */
import type { RawImage } from '../datasets/types.ts';
import { clampIndex } from './float-image.ts';

export interface MotionKernel {
  weights: Float64Array;
  dx: Int32Array;
  dy: Int32Array;
}

export function motionBlurKernel(radius: number, sigma: number, angleDegrees: number): MotionKernel {
  const width = radius > 1e-12 ? 2 * Math.ceil(radius) + 1 : 3;
  const s = Math.abs(sigma) < 1e-12 ? 1e-12 : sigma;
  const weights = new Float64Array(width);
  let sum = 0;
  for (let i = 0; i < width; i++) {
    weights[i] = Math.exp(-(i * i) / (2 * s * s));
    sum += weights[i];
  }
  for (let i = 0; i < width; i++) weights[i] /= sum;
  const theta = (Math.PI * angleDegrees) / 180;
  const px = width * Math.sin(theta);
  const py = width * Math.cos(theta);
  const hyp = hypot(px, py);
  const dx = new Int32Array(width);
  const dy = new Int32Array(width);
  for (let i = 0; i < width; i++) {
    dx[i] = Math.ceil((i * py) / hyp - 0.5);
    dy[i] = Math.ceil((i * px) / hyp - 0.5);
  }
  return { weights, dx, dy };
}

/** a·b as an unevaluated sum hi + lo (Dekker's product with Veltkamp splitting). */
function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  const split = (x: number): [number, number] => {
    const t = 134217729 * x; // 2^27 + 1
    const xh = t - (t - x);
    return [xh, x - xh];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [hi, ((ah * bh - hi) + ah * bl + al * bh) + al * bl];
}

/**
 * √(a² + b²) correctly rounded in practice, like C's hypot. V8's Math.hypot can be one ulp off
 * (hypot(29 sin 60°, 29 cos 60°) = 29.000000000000004), and the tap offsets are ceil()s that land
 * exactly on integers for angles like ±60°, so one ulp moves a tap.
 */
function hypot(a: number, b: number): number {
  const [a2, a2lo] = twoProduct(a, a);
  const [b2, b2lo] = twoProduct(b, b);
  const h = Math.sqrt(a2 + b2);
  if (h === 0) return 0;
  const [h2, h2lo] = twoProduct(h, h);
  // Newton step on the exact residual (a² + b²) − h².
  const residual = (a2 - h2) + b2 + (a2lo + b2lo - h2lo);
  return h + residual / (2 * h);
}

/** Motion-blur every channel of an 8-bit image (any channel count). */
export function motionBlur(img: RawImage, radius: number, sigma: number, angleDegrees: number): RawImage {
  const { width: w, height: h, channels: c, data } = img;
  const { weights, dx, dy } = motionBlurKernel(radius, sigma, angleDegrees);
  const out = new Uint8Array(data.length);
  const n = weights.length;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += weights[j] * data[(clampIndex(y + dy[j], h) * w + clampIndex(x + dx[j], w)) * c + ch];
        const v = Math.round(s);
        out[(y * w + x) * c + ch] = v > 255 ? 255 : v;
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}
