/**
 * Linear filters the corruptions need, each matching the library call make_cifar_c.py makes:
 * - gaussianFilter: scipy.ndimage.gaussian_filter (what skimage.filters.gaussian calls): one 1-D
 *   correlation per spatial axis (rows first), kernel exp(-x²/2σ²) over radius int(truncate·σ + 0.5),
 *   normalised; the channel axis is not blurred (skimage's multichannel=True → sigma 0 there).
 * - correlate2d: cv2.filter2D (correlation, anchor at the kernel centre, BORDER_REFLECT_101).
 */
import { BORDER, type BorderMode, type FloatImage } from './float-image.ts';

/** scipy.ndimage._gaussian_kernel1d (order 0): weights for offsets -r..r. */
export function gaussianKernel1d(sigma: number, truncate: number): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  const s2 = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(s2 * i * i);
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Separable Gaussian blur of every channel of `img` over its two spatial axes, in place semantics
 * of scipy (a new image is returned; `img` is not modified).
 */
export function gaussianFilter(img: FloatImage, sigma: number, mode: BorderMode = 'nearest', truncate = 4): FloatImage {
  const { width: w, height: h, channels: c } = img;
  if (!(sigma > 1e-15)) return { ...img, data: img.data.slice() };
  const k = gaussianKernel1d(sigma, truncate);
  const r = (k.length - 1) >> 1;
  const border = BORDER[mode];
  const tmp = new Float64Array(img.data.length);
  const out = new Float64Array(img.data.length);
  const src = img.data;
  // Axis 0 (down the columns), as scipy filters axes in order.
  const rowIdx = new Int32Array(h + 2 * r);
  for (let i = -r; i < h + r; i++) rowIdx[i + r] = border(i, h);
  const rowStride = w * c;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < rowStride; x++) {
      // scipy's symmetric-kernel loop: centre tap, then pairs (i, -i).
      let s = src[rowIdx[y + r] * rowStride + x] * k[r];
      for (let j = 1; j <= r; j++) s += (src[rowIdx[y + r + j] * rowStride + x] + src[rowIdx[y + r - j] * rowStride + x]) * k[r + j];
      tmp[y * rowStride + x] = s;
    }
  }
  const colIdx = new Int32Array(w + 2 * r);
  for (let i = -r; i < w + r; i++) colIdx[i + r] = border(i, w);
  for (let y = 0; y < h; y++) {
    const base = y * rowStride;
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = tmp[base + colIdx[x + r] * c + ch] * k[r];
        for (let j = 1; j <= r; j++) s += (tmp[base + colIdx[x + r + j] * c + ch] + tmp[base + colIdx[x + r - j] * c + ch]) * k[r + j];
        out[base + x * c + ch] = s;
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

/** cv2.filter2D(img, -1, kernel) on every channel: correlation with a kw×kh kernel, BORDER_REFLECT_101. */
export function correlate2d(img: FloatImage, kernel: ArrayLike<number>, kw: number, kh: number): FloatImage {
  const { width: w, height: h, channels: c, data: src } = img;
  const out = new Float64Array(src.length);
  const ax = kw >> 1;
  const ay = kh >> 1;
  const xs = new Int32Array(w + kw);
  for (let i = 0; i < w + kw; i++) xs[i] = BORDER.reflect101(i - ax, w);
  const ys = new Int32Array(h + kh);
  for (let i = 0; i < h + kh; i++) ys[i] = BORDER.reflect101(i - ay, h);
  // Skip zero taps: the defocus disk is a small blob inside a 17×17 frame.
  const taps: number[] = [];
  for (let j = 0; j < kh; j++) for (let i = 0; i < kw; i++) if (kernel[j * kw + i] !== 0) taps.push(j, i, kernel[j * kw + i]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let t = 0; t < taps.length; t += 3) s += taps[t + 2] * src[(ys[y + taps[t]] * w + xs[x + taps[t + 1]]) * c + ch];
        out[(y * w + x) * c + ch] = s;
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}
