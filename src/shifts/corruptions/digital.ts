/**
 * Colour and "digital" corruptions of make_cifar_c.py (hendrycks/robustness,
 * ImageNet-C/create_c/make_cifar_c.py): contrast, brightness, saturate, pixelate (deterministic,
 * reproduced to the uint8 level), jpeg_compression (sharp's libjpeg at PIL's quality; see README)
 * and elastic_transform (seeded).
 */
import sharp from 'sharp';
import type { RawImage } from '../../datasets/types.ts';
import { toRGB } from '../../model/preprocess/convert.ts';
import { resizeImage } from '../../model/preprocess/resample.ts';
import type { Rng } from '../../util/rng.ts';
import { BORDER, fromUnitFloat, toUnitFloat } from '../float-image.ts';
import { gaussianFilter } from '../filters.ts';
import { hsvToRgbInPlace, rgbToHsvInPlace } from '../hsv.ts';
import { uniform } from '../random.ts';

/** (x − mean) · c + mean, with the mean per channel over the image. */
export function contrast(img: RawImage, p: { factor: number }): RawImage {
  const f = toUnitFloat(img);
  const d = f.data;
  const n = f.width * f.height;
  for (let ch = 0; ch < 3; ch++) {
    // np.mean over axes (0, 1): pairwise summation; a plain double sum agrees far below one uint8 level.
    let s = 0;
    for (let i = ch; i < d.length; i += 3) s += d[i];
    const mean = s / n;
    for (let i = ch; i < d.length; i += 3) d[i] = (d[i] - mean) * p.factor + mean;
  }
  return fromUnitFloat(f);
}

/** skimage rgb2hsv; V + c clipped to [0, 1]; hsv2rgb. */
export function brightness(img: RawImage, p: { shift: number }): RawImage {
  const f = toUnitFloat(img);
  const d = f.data as Float64Array;
  rgbToHsvInPlace(d);
  for (let i = 2; i < d.length; i += 3) d[i] = Math.min(Math.max(d[i] + p.shift, 0), 1);
  hsvToRgbInPlace(d);
  return fromUnitFloat(f);
}

/** skimage rgb2hsv; S · a + b clipped to [0, 1]; hsv2rgb. */
export function saturate(img: RawImage, p: { scale: number; shift: number }): RawImage {
  const f = toUnitFloat(img);
  const d = f.data as Float64Array;
  rgbToHsvInPlace(d);
  for (let i = 1; i < d.length; i += 3) d[i] = Math.min(Math.max(d[i] * p.scale + p.shift, 0), 1);
  hsvToRgbInPlace(d);
  return fromUnitFloat(f);
}

/** Pillow BOX resize to int(side · c) and back (the original's 32 is each side of the image). */
export function pixelate(img: RawImage, p: { factor: number }): RawImage {
  const rgb = toRGB(img);
  const small = resizeImage(rgb, Math.trunc(rgb.width * p.factor), Math.trunc(rgb.height * p.factor), 'box');
  return resizeImage(small, rgb.width, rgb.height, 'box');
}

/** JPEG encode at `quality` (4:2:0 chroma, like PIL's default) and decode, through sharp/libvips. */
export async function jpegCompression(img: RawImage, p: { quality: number }): Promise<RawImage> {
  const rgb = toRGB(img);
  const raw = { width: rgb.width, height: rgb.height, channels: 3 as const };
  const jpeg = await sharp(rgb.data, { raw }).jpeg({ quality: p.quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== rgb.width || info.height !== rgb.height || info.channels !== 3) {
    throw new Error(`jpeg round trip changed the image shape to ${info.width}x${info.height}x${info.channels}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: rgb.width, height: rgb.height, channels: 3 };
}

/** The 2×3 matrix of the affine map taking the three points `from` to `to` (cv2.getAffineTransform). */
export function affineFromPoints(from: number[][], to: number[][]): number[] {
  const [[x0, y0], [x1, y1], [x2, y2]] = from;
  const det = x0 * (y1 - y2) + x1 * (y2 - y0) + x2 * (y0 - y1);
  const m: number[] = [];
  for (const axis of [0, 1]) {
    const [u0, u1, u2] = [to[0][axis], to[1][axis], to[2][axis]];
    m.push(
      (u0 * (y1 - y2) + u1 * (y2 - y0) + u2 * (y0 - y1)) / det,
      (u0 * (x2 - x1) + u1 * (x0 - x2) + u2 * (x1 - x0)) / det,
      (u0 * (x1 * y2 - x2 * y1) + u1 * (x2 * y0 - x0 * y2) + u2 * (x0 * y1 - x1 * y0)) / det,
    );
  }
  return m;
}

function invertAffine(m: number[]): number[] {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** Bilinear sample of the 3 channels at (x, y) with the given border fold, float32-rounded into out[o..o+2]. */
function bilinear3(
  d: ArrayLike<number>, w: number, h: number, x: number, y: number, fold: (i: number, n: number) => number,
  out: Float64Array, o: number,
): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const xa = fold(x0, w) * 3;
  const xb = fold(x0 + 1, w) * 3;
  const ya = fold(y0, h) * w * 3;
  const yb = fold(y0 + 1, h) * w * 3;
  for (let ch = 0; ch < 3; ch++) {
    const top = (1 - tx) * d[ya + xa + ch] + tx * d[ya + xb + ch];
    const bottom = (1 - tx) * d[yb + xa + ch] + tx * d[yb + xb + ch];
    out[o + ch] = Math.fround((1 - ty) * top + ty * bottom);
  }
}

/**
 * cv2.warpAffine(img, M, (w, h), INTER_LINEAR, BORDER_REFLECT_101) of a 3-channel float image:
 * dst(x, y) = src(M⁻¹(x, y)), source positions rounded to OpenCV's 1/32-pixel grid, float32 result.
 */
export function warpAffine(src: ArrayLike<number>, w: number, h: number, m: number[]): Float64Array {
  const inv = invertAffine(m);
  const out = new Float64Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = Math.round((inv[0] * x + inv[1] * y + inv[2]) * 32) / 32;
      const sy = Math.round((inv[3] * x + inv[4] * y + inv[5]) * 32) / 32;
      bilinear3(src, w, h, sx, sy, BORDER.reflect101, out, (y * w + x) * 3);
    }
  }
  return out;
}

/**
 * A random affine warp (three control points moved by U(−a, a), cv2.warpAffine bilinear with source
 * positions on OpenCV's 1/32-pixel grid, BORDER_REFLECT_101), then a displacement field of U(−1, 1)
 * noise smoothed by a Gaussian (σ, mode 'reflect', truncate 3) and scaled by α, sampled with
 * scipy map_coordinates(order=1, mode='reflect'). Parameters are fractions of the image side
 * (the original's IMSIZE·0.05 etc. with IMSIZE = 32); `side` = the shorter side here.
 */
export function elasticTransform(img: RawImage, p: { alpha: number; sigma: number; affine: number }, rng: Rng): RawImage {
  const f = toUnitFloat(img);
  const { width: w, height: h } = f;
  const side = Math.min(w, h);
  const [alpha, sigma, affine] = [p.alpha * side, p.sigma * side, p.affine * side];
  const cx = Math.floor(w / 2);
  const cy = Math.floor(h / 2);
  const sq = Math.floor(side / 3);
  const pts1 = [[cx + sq, cy + sq], [cx + sq, cy - sq], [cx - sq, cy - sq]];
  const pts2 = pts1.map(([x, y]) => [Math.fround(x + Math.fround(uniform(rng, -affine, affine))), Math.fround(y + Math.fround(uniform(rng, -affine, affine)))]);
  const warped = warpAffine(f.data, w, h, affineFromPoints(pts1, pts2));
  const field = (): Float64Array => {
    const noise = new Float64Array(w * h);
    for (let i = 0; i < noise.length; i++) noise[i] = uniform(rng, -1, 1);
    const smooth = gaussianFilter({ data: noise, width: w, height: h, channels: 1 }, sigma, 'reflect', 3).data;
    for (let i = 0; i < noise.length; i++) noise[i] = Math.fround(smooth[i] * alpha);
    return noise;
  };
  const dx = field();
  const dy = field();
  const out = new Float64Array(f.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      bilinear3(warped, w, h, x + dx[i], y + dy[i], BORDER.reflect, out, i * 3);
    }
  }
  return fromUnitFloat({ data: out, width: w, height: h, channels: 3 });
}
