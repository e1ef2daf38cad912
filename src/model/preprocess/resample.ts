/**
 * Resampling of 8-bit images that reproduces Pillow's `Image.resize` bit for bit
 * (libImaging/Resample.c for bicubic/bilinear/box, Geometry.c ImagingScaleAffine for nearest):
 * separable convolution, horizontal pass first, each pass rounded and clipped to uint8;
 * filter support scaled by the shrink factor (antialiasing); weights normalised to sum 1 in
 * double precision, then converted to 22-bit fixed point.
 *
 * Channels are resampled independently, as Pillow does for L and RGB. (Pillow premultiplies
 * LA/RGBA by alpha around a resize; callers that keep alpha must do that themselves.)
 */
import type { RawImage } from '../../datasets/types.ts';

export type ResampleFilter = 'bicubic' | 'bilinear' | 'box' | 'nearest';

/** Pillow's fixed-point precision: 8 bits of result, 2 bits of head-room for negative lobes. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per-output-sample taps of one 1-D resampling (one axis of one resize). */
export interface ResampleCoefficients {
  inSize: number;
  outSize: number;
  /** Coefficient slots per output sample. */
  ksize: number;
  /** Per output sample: first input index, number of taps. */
  bounds: Int32Array;
  /** outSize × ksize fixed-point weights (scale 2^22). */
  weights: Int32Array;
}

/** Pillow's bicubic kernel (Keys, a = -0.5); expression order kept so doubles round identically. */
function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function bilinear(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** Pillow's box_filter: the half-open interval (-0.5, 0.5], not symmetric at the ends. */
function box(x: number): number {
  return x > -0.5 && x <= 0.5 ? 1 : 0;
}

const KERNELS = { bicubic: { fn: bicubic, support: 2 }, bilinear: { fn: bilinear, support: 1 }, box: { fn: box, support: 0.5 } };

/** Resample.c precompute_coeffs + normalize_coeffs_8bpc, for the default box (0, inSize). */
function convolutionCoefficients(inSize: number, outSize: number, filter: keyof typeof KERNELS): ResampleCoefficients {
  const { fn: kernel, support: kernelSupport } = KERNELS[filter];
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = kernelSupport * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterscale;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C casts (int) truncate toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = kernel((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { inSize, outSize, ksize, bounds, weights };
}

/**
 * Geometry.c ImagingScaleAffine (what Pillow's resize runs for NEAREST): source position
 * accumulated in doubles from scale/2 in steps of `scale`, truncated. Expressed as one tap of weight 1.
 */
function nearestCoefficients(inSize: number, outSize: number): ResampleCoefficients {
  const scale = inSize / outSize;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize).fill(ONE);
  let xo = scale * 0.5;
  for (let xx = 0; xx < outSize; xx++) {
    const xin = Math.trunc(xo);
    bounds[xx * 2] = xin < inSize ? xin : inSize - 1;
    bounds[xx * 2 + 1] = 1;
    xo += scale;
  }
  return { inSize, outSize, ksize: 1, bounds, weights };
}

const cache = new Map<string, ResampleCoefficients>();
const CACHE_LIMIT = 512;

/** Coefficients for resampling one axis from inSize to outSize samples (cached). */
export function resampleCoefficients(inSize: number, outSize: number, filter: ResampleFilter): ResampleCoefficients {
  if (!(Number.isInteger(inSize) && inSize > 0 && Number.isInteger(outSize) && outSize > 0)) {
    throw new RangeError(`resample sizes must be positive integers (got ${inSize} → ${outSize})`);
  }
  const key = `${filter}:${inSize}:${outSize}`;
  let c = cache.get(key);
  if (!c) {
    c = filter === 'nearest' ? nearestCoefficients(inSize, outSize) : convolutionCoefficients(inSize, outSize, filter);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/** A rectangle of the (virtual) full-size resized image. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Source pixels for {@link resizeRegion}: interleaved uint8, `stride` bytes per pixel. */
export interface ResampleSource {
  data: Uint8Array;
  width: number;
  height: number;
  /** Bytes per source pixel (the image's channel count). */
  stride: number;
}

// Scratch for the horizontal pass; grown on demand (the functions here are synchronous).
let scratch = new Uint8Array(0);
function tempBuffer(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * Resize `src` to outWidth × outHeight exactly as Pillow would, but compute only `region` of the
 * result (each output pixel depends only on its own taps, so this equals resize-then-crop).
 * Reads the first `channels` bytes of each source pixel; writes region.width × region.height ×
 * `channels` interleaved bytes to `dst` from `dstOffset`.
 */
export function resizeRegion(
  src: ResampleSource,
  channels: number,
  outWidth: number,
  outHeight: number,
  filter: ResampleFilter,
  region: Region,
  dst: Uint8Array,
  dstOffset = 0,
): void {
  const { x: rx, y: ry, width: rw, height: rh } = region;
  if (rx < 0 || ry < 0 || rw < 0 || rh < 0 || rx + rw > outWidth || ry + rh > outHeight) {
    throw new RangeError(`region ${rw}x${rh}+${rx}+${ry} outside ${outWidth}x${outHeight}`);
  }
  if (channels < 1 || channels > src.stride) throw new RangeError(`cannot read ${channels} channels from ${src.stride}`);
  if (src.data.length < src.width * src.height * src.stride) throw new RangeError('source buffer too small');
  if (dst.length < dstOffset + rw * rh * channels) throw new RangeError('destination buffer too small');
  if (rw === 0 || rh === 0) return;

  // Like Pillow, an axis whose size does not change is not resampled (the pass would be the identity).
  const hc = outWidth !== src.width ? resampleCoefficients(src.width, outWidth, filter) : null;
  const vc = outHeight !== src.height ? resampleCoefficients(src.height, outHeight, filter) : null;

  // Source rows the vertical pass needs (bounds are non-decreasing in the output index).
  let yFirst: number;
  let yEnd: number;
  if (vc) {
    yFirst = vc.bounds[ry * 2];
    const last = (ry + rh - 1) * 2;
    yEnd = vc.bounds[last] + vc.bounds[last + 1];
  } else {
    yFirst = ry;
    yEnd = ry + rh;
  }
  const rows = yEnd - yFirst;
  const rowLen = rw * channels;

  // Horizontal pass (or column copy) into tmp: `rows` rows of region.width pixels.
  const directVertical = !vc;
  const tmp = directVertical ? dst : tempBuffer(rows * rowLen);
  const tmpOffset = directVertical ? dstOffset : 0;
  if (hc) horizontalPass(src, channels, hc, rx, rw, yFirst, rows, tmp, tmpOffset);
  else copyColumns(src, channels, rx, rw, yFirst, rows, tmp, tmpOffset);

  if (vc) verticalPass(tmp, rowLen, vc, yFirst, ry, rh, dst, dstOffset);
}

function copyColumns(
  src: ResampleSource, channels: number, rx: number, rw: number, y0: number, rows: number,
  out: Uint8Array, outOffset: number,
): void {
  const { data, width, stride } = src;
  let o = outOffset;
  for (let y = 0; y < rows; y++) {
    let p = ((y0 + y) * width + rx) * stride;
    if (stride === channels) {
      const n = rw * channels;
      out.set(data.subarray(p, p + n), o);
      o += n;
      continue;
    }
    for (let x = 0; x < rw; x++, p += stride) {
      for (let c = 0; c < channels; c++) out[o++] = data[p + c];
    }
  }
}

// The convolution sums are int32, as Pillow's C `int` accumulators: |sum| ≤ 255 × (sum of positive
// weights ≈ 1.15 × 2^22) < 2^31, so Math.imul / `| 0` never wrap and are several times faster than doubles.

/** clip8 of Resample.c: the fixed-point sum shifted down, saturated to 0..255. */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function horizontalPass(
  src: ResampleSource, channels: number, c: ResampleCoefficients, rx: number, rw: number,
  y0: number, rows: number, out: Uint8Array, outOffset: number,
): void {
  const { data, width, stride } = src;
  const { bounds, weights: kk, ksize } = c;
  let o = outOffset;
  for (let y = 0; y < rows; y++) {
    const rowStart = (y0 + y) * width * stride;
    for (let xx = rx; xx < rx + rw; xx++) {
      const xmin = bounds[xx * 2];
      const n = bounds[xx * 2 + 1];
      const k0 = xx * ksize;
      const p0 = rowStart + xmin * stride;
      if (channels === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let i = 0, p = p0; i < n; i++, p += stride) {
          const w = kk[k0 + i];
          s0 = (s0 + Math.imul(data[p], w)) | 0;
          s1 = (s1 + Math.imul(data[p + 1], w)) | 0;
          s2 = (s2 + Math.imul(data[p + 2], w)) | 0;
        }
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
        o += 3;
      } else {
        for (let ch = 0; ch < channels; ch++) {
          let s = HALF;
          for (let i = 0, p = p0 + ch; i < n; i++, p += stride) s = (s + Math.imul(data[p], kk[k0 + i])) | 0;
          out[o++] = clip8(s);
        }
      }
    }
  }
}

function verticalPass(
  tmp: Uint8Array, rowLen: number, c: ResampleCoefficients, y0: number, ry: number, rh: number,
  out: Uint8Array, outOffset: number,
): void {
  const { bounds, weights: kk, ksize } = c;
  // Uint8ClampedArray stores saturate to 0..255, which is clip8 after the shift.
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  let o = outOffset;
  for (let yy = ry; yy < ry + rh; yy++) {
    const n = bounds[yy * 2 + 1];
    const k0 = yy * ksize;
    const base = (bounds[yy * 2] - y0) * rowLen;
    if (n === 4) {
      // The common case (bicubic enlargement): four source rows, weights held in locals.
      const w0 = kk[k0], w1 = kk[k0 + 1], w2 = kk[k0 + 2], w3 = kk[k0 + 3];
      const p1 = base + rowLen, p2 = p1 + rowLen, p3 = p2 + rowLen;
      for (let x = 0; x < rowLen; x++) {
        clamped[o++] = (HALF + Math.imul(tmp[base + x], w0) + Math.imul(tmp[p1 + x], w1) + Math.imul(tmp[p2 + x], w2) + Math.imul(tmp[p3 + x], w3)) >> PRECISION_BITS;
      }
      continue;
    }
    for (let x = 0; x < rowLen; x++) {
      let s = HALF;
      for (let i = 0, p = base + x; i < n; i++, p += rowLen) s = (s + Math.imul(tmp[p], kk[k0 + i])) | 0;
      out[o++] = clip8(s);
    }
  }
}

/** Pillow `im.resize((width, height), filter)` of an L or RGB-like image, every channel kept. */
export function resizeImage(img: RawImage, width: number, height: number, filter: ResampleFilter): RawImage {
  const data = new Uint8Array(width * height * img.channels);
  resizeRegion(
    { data: img.data, width: img.width, height: img.height, stride: img.channels },
    img.channels, width, height, filter, { x: 0, y: 0, width, height }, data,
  );
  return { data, width, height, channels: img.channels };
}
