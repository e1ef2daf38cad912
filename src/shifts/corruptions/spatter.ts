/**
 * make_cifar_c.py `spatter` (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py), seeded:
 * a smoothed Gaussian "liquid" field, thresholded; severities 1–3 draw pale-turquoise water whose
 * shading comes from OpenCV steps re-implemented here (Canny 50/150, 5×5 chamfer distance transform,
 * truncation at 20, 3×3 box blur, histogram equalisation, an emboss filter, box blur); severities 4–5
 * paint mud-brown blobs.
 */
import type { RawImage } from '../../datasets/types.ts';
import type { Rng } from '../../util/rng.ts';
import { BORDER, clampIndex, fromUnitFloat, toUnitFloat } from '../float-image.ts';
import { gaussianFilter } from '../filters.ts';
import { fillNormal } from '../random.ts';

export type SpatterParams = {
  mean: number;
  std: number;
  sigma: number;
  threshold: number;
  /** Water: intensity scale; mud: the blob blur σ. */
  intensity: number;
  mud: boolean;
};

export function spatter(img: RawImage, p: SpatterParams, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const { width: w, height: h } = f;
  const n = w * h;
  const x = f.data;
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]);
  const field = new Float64Array(n);
  fillNormal(rng, field);
  for (let i = 0; i < n; i++) field[i] = p.mean + p.std * field[i];
  const liquid = gaussianFilter({ data: field, width: w, height: h, channels: 1 }, p.sigma).data;
  for (let i = 0; i < n; i++) if (liquid[i] < p.threshold) liquid[i] = 0;
  if (!p.mud) {
    // (liquid * 255).astype(np.uint8): truncation, wrapping above 255 like NumPy's cast on x86.
    const liquid8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) liquid8[i] = Math.trunc(liquid[i] * 255) & 255;
    const edges = canny(liquid8, w, h, 50, 150);
    for (let i = 0; i < n; i++) edges[i] = 255 - edges[i];
    const dist = chamferDistance(edges, w, h);
    for (let i = 0; i < n; i++) if (dist[i] > 20) dist[i] = 20;
    const blurred = boxBlur3(dist, w, h, false);
    const d8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) d8[i] = blurred[i];
    const shade = boxBlur3(emboss(equalizeHist(d8), w, h), w, h, true);
    const m = new Float64Array(n);
    let max = 0;
    for (let i = 0; i < n; i++) {
      m[i] = Math.fround(liquid8[i] * shade[i]);
      if (m[i] > max) max = m[i];
    }
    // Pale turquoise (175, 238, 238) added in the original's channel order; no liquid → no water.
    const color = [175 / 255, 238 / 255, 238 / 255];
    for (let i = 0; i < n; i++) {
      const mi = max > 0 ? (m[i] / max) * p.intensity : 0;
      for (let ch = 0; ch < 3; ch++) x[i * 3 + ch] += mi * color[ch];
    }
    return fromUnitFloat(f);
  }
  const blob = new Float64Array(n);
  for (let i = 0; i < n; i++) blob[i] = liquid[i] > p.threshold ? 1 : 0;
  const m = gaussianFilter({ data: blob, width: w, height: h, channels: 1 }, p.intensity).data;
  const mud = [63 / 255, 42 / 255, 20 / 255];
  for (let i = 0; i < n; i++) {
    const mi = m[i] < 0.8 ? 0 : m[i];
    for (let ch = 0; ch < 3; ch++) x[i * 3 + ch] = x[i * 3 + ch] * (1 - mi) + mud[ch] * mi;
  }
  return fromUnitFloat(f);
}

/** cv2.Canny(img, low, high): 3×3 Sobel (replicated border), L1 magnitude, non-maximum suppression, hysteresis. */
export function canny(img: Uint8Array, w: number, h: number, low: number, high: number): Uint8Array {
  const n = w * h;
  const gx = new Int32Array(n);
  const gy = new Int32Array(n);
  const mag = new Int32Array(n);
  const at = (y: number, x: number): number => img[clampIndex(y, h) * w + clampIndex(x, w)];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const dy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      gx[y * w + x] = dx;
      gy[y * w + x] = dy;
      mag[y * w + x] = Math.abs(dx) + Math.abs(dy);
    }
  }
  const m = (y: number, x: number): number => (y < 0 || x < 0 || y >= h || x >= w ? 0 : mag[y * w + x]);
  const TG22 = 13573; // tan(22.5°) · 2^15, OpenCV's fixed-point direction test
  const state = new Uint8Array(n); // 0 none, 1 weak, 2 strong
  const stack: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = mag[i];
      if (v <= low) continue;
      const xs = Math.abs(gx[i]);
      const ys = Math.abs(gy[i]) * 32768;
      const tg22x = xs * TG22;
      let isMax: boolean;
      if (ys < tg22x) isMax = v > m(y, x - 1) && v >= m(y, x + 1);
      else if (ys > tg22x + xs * 65536) isMax = v > m(y - 1, x) && v >= m(y + 1, x);
      else {
        const s = (gx[i] ^ gy[i]) < 0 ? -1 : 1;
        isMax = v > m(y - 1, x - s) && v > m(y + 1, x + s);
      }
      if (!isMax) continue;
      state[i] = v > high ? 2 : 1;
      if (state[i] === 2) stack.push(i);
    }
  }
  const out = new Uint8Array(n);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (out[i]) continue;
    out[i] = 255;
    const y = Math.floor(i / w);
    const x = i - y * w;
    for (let yy = y - 1; yy <= y + 1; yy++) {
      for (let xx = x - 1; xx <= x + 1; xx++) {
        if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
        const j = yy * w + xx;
        if (state[j] === 1 && !out[j]) stack.push(j);
      }
    }
  }
  return out;
}

/** cv2.distanceTransform(img, DIST_L2, 5): 5×5 chamfer (a = 1, b = 1.4, c = 2.1969) distance to the nearest zero pixel. */
export function chamferDistance(img: Uint8Array, w: number, h: number): Float64Array {
  const A = 1;
  const B = 1.4;
  const C = 2.1969;
  const INF = 1e9;
  const d = new Float64Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = img[i] === 0 ? 0 : INF;
  // Forward mask (dy, dx, cost); the backward pass mirrors it. Outside the image counts as infinitely far.
  const mask = [-2, -1, C, -2, 1, C, -1, -2, C, -1, -1, B, -1, 0, A, -1, 1, B, -1, 2, C, 0, -1, A];
  const pass = (sign: number): void => {
    for (let yi = 0; yi < h; yi++) {
      const y = sign > 0 ? yi : h - 1 - yi;
      for (let xi = 0; xi < w; xi++) {
        const x = sign > 0 ? xi : w - 1 - xi;
        let v = d[y * w + x];
        for (let t = 0; t < mask.length; t += 3) {
          const yy = y + sign * mask[t];
          const xx = x + sign * mask[t + 1];
          if (yy >= 0 && xx >= 0 && yy < h && xx < w) v = Math.min(v, d[yy * w + xx] + mask[t + 2]);
        }
        d[y * w + x] = v;
      }
    }
  };
  pass(1);
  pass(-1);
  return d;
}

/** Row/column indices of a 3×3 neighbourhood under BORDER_REFLECT_101: entry 3·i + d + 1 for offset d. */
function neighbours3(n: number): Int32Array {
  const idx = new Int32Array(3 * n);
  for (let i = 0; i < n; i++) for (let d = -1; d <= 1; d++) idx[3 * i + d + 1] = BORDER.reflect101(i + d, n);
  return idx;
}

/** 3×3 correlation with BORDER_REFLECT_101 (kernel row-major, 9 weights). */
function correlate3(src: ArrayLike<number>, w: number, h: number, k: readonly number[]): Float64Array {
  const out = new Float64Array(w * h);
  const xs = neighbours3(w);
  const ys = neighbours3(h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = 0; j < 3; j++) {
        const row = ys[3 * y + j] * w;
        for (let i = 0; i < 3; i++) s += k[3 * j + i] * src[row + xs[3 * x + i]];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

const BOX3 = [1, 1, 1, 1, 1, 1, 1, 1, 1];

/** cv2.blur(img, (3, 3)), BORDER_REFLECT_101; `round` for 8-bit input (saturate_cast), else float32. */
function boxBlur3(src: ArrayLike<number>, w: number, h: number, round: boolean): Float64Array {
  const out = correlate3(src, w, h, BOX3);
  for (let i = 0; i < out.length; i++) out[i] = round ? Math.round(out[i] / 9) : Math.fround(out[i] / 9);
  return out;
}

/** cv2.equalizeHist. */
function equalizeHist(src: Uint8Array): Uint8Array {
  const hist = new Int32Array(256);
  for (const v of src) hist[v]++;
  let i = 0;
  while (hist[i] === 0) i++;
  const total = src.length;
  if (hist[i] === total) return new Uint8Array(total).fill(i);
  const lut = new Uint8Array(256);
  const scale = 255 / (total - hist[i]);
  let sum = 0;
  for (lut[i++] = 0; i < 256; i++) {
    sum += hist[i];
    lut[i] = Math.min(255, Math.round(sum * scale));
  }
  return src.map((v) => lut[v]);
}

/** cv2.filter2D(img, CV_8U, [[-2,-1,0],[-1,1,1],[0,1,2]]), BORDER_REFLECT_101, saturated. */
function emboss(src: Uint8Array, w: number, h: number): Uint8Array {
  const s = correlate3(src, w, h, [-2, -1, 0, -1, 1, 1, 0, 1, 2]);
  const out = new Uint8Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = s[i] < 0 ? 0 : s[i] > 255 ? 255 : s[i];
  return out;
}
