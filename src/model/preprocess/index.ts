/**
 * Model input from a decoded image, as OpenAI CLIP's reference transform does it with PIL and
 * torchvision: convert('RGB') → Resize(size, BICUBIC) of the shortest side (or to size×size) →
 * CenterCrop (zero-padded when the crop is larger) → ToTensor → Normalize, into float32 CHW.
 * The resize reproduces Pillow's integer arithmetic exactly (resample.ts), so the uint8 image
 * before normalisation equals PIL's.
 */
import type { RawImage } from '../../datasets/types.ts';
import type { PreprocessConfig } from './config.ts';
import { resizeRegion } from './resample.ts';

export { CLIP_224, type PreprocessConfig } from './config.ts';
export { toRGB } from './convert.ts';
export { resizeImage, resizeRegion, resampleCoefficients, type ResampleFilter } from './resample.ts';
export { preprocessConfigFromHF } from './hf.ts';

/** Size of the image after the resize step (torchvision `Resize(int)`: the long side is truncated). */
export function resizedSize(width: number, height: number, cfg: Pick<PreprocessConfig, 'resizeMode' | 'size'>): {
  width: number;
  height: number;
} {
  const s = cfg.size;
  if (cfg.resizeMode === 'exact') return { width: s, height: s };
  // int(size * long / short), as torchvision's _compute_resized_output_size (and HF's) compute it.
  if (width <= height) return { width: s, height: Math.trunc((s * height) / width) };
  return { width: Math.trunc((s * width) / height), height: s };
}

/** Python's round() of d / 2 for an integer d ≥ 0 (ties to even), as in torchvision's CenterCrop. */
function halfRoundEven(d: number): number {
  if (d % 2 === 0) return d / 2;
  const h = (d - 1) / 2;
  return h % 2 === 0 ? h : h + 1;
}

/** One axis of a center crop: which span of the resized image lands where in the crop. */
interface CropAxis {
  /** First resized pixel copied. */
  src: number;
  /** Where it lands in the crop (> 0 when padding). */
  dst: number;
  /** Pixels copied. */
  len: number;
}

/**
 * torchvision F.center_crop: pad with zeros ((crop - size) // 2 before) when the crop is larger,
 * else start at int(round((size - crop) / 2)).
 */
function cropAxis(size: number, crop: number): CropAxis {
  if (crop > size) return { src: 0, dst: Math.floor((crop - size) / 2), len: size };
  return { src: halfRoundEven(size - crop), dst: 0, len: crop };
}

function checkInputs(img: RawImage, cfg: PreprocessConfig): void {
  const { width, height, channels, data } = img;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`image size must be positive integers (got ${width}x${height})`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) throw new RangeError(`unsupported channel count ${channels}`);
  if (data.length < width * height * channels) {
    throw new RangeError(`image data has ${data.length} bytes, expected ${width * height * channels}`);
  }
  const { crop, size } = cfg;
  for (const [name, v] of [['size', size], ['crop.height', crop.height], ['crop.width', crop.width]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`preprocess ${name} must be a positive integer (got ${v})`);
  }
}

interface Plan {
  resized: { width: number; height: number };
  x: CropAxis;
  y: CropAxis;
  /** Channels resampled: 1 for grey (replicated afterwards), else 3. */
  channels: 1 | 3;
}

function plan(img: RawImage, cfg: PreprocessConfig): Plan {
  checkInputs(img, cfg);
  const resized = resizedSize(img.width, img.height, cfg);
  return {
    resized,
    x: cropAxis(resized.width, cfg.crop.width),
    y: cropAxis(resized.height, cfg.crop.height),
    channels: img.channels <= 2 ? 1 : 3,
  };
}

let regionScratch = new Uint8Array(0);

/** Resize + crop span into a scratch buffer (HWC, p.channels per pixel). */
function resizedRegion(img: RawImage, cfg: PreprocessConfig, p: Plan): Uint8Array {
  const n = p.x.len * p.y.len * p.channels;
  if (regionScratch.length < n) regionScratch = new Uint8Array(n);
  // Grey is resampled once and replicated: convert('RGB') then resize gives three equal channels.
  // LA/RGBA: the alpha byte is skipped (convert('RGB') drops it before the resize).
  resizeRegion(
    { data: img.data, width: img.width, height: img.height, stride: img.channels },
    p.channels, p.resized.width, p.resized.height, cfg.resample,
    { x: p.x.src, y: p.y.src, width: p.x.len, height: p.y.len },
    regionScratch,
  );
  return regionScratch;
}

/**
 * The resized and center-cropped image as uint8 RGB (HWC, crop.height × crop.width, zero
 * padding): PIL's image just before ToTensor. For inspection and tests.
 */
export function resizeAndCrop(img: RawImage, cfg: PreprocessConfig): RawImage {
  const p = plan(img, cfg);
  const src = resizedRegion(img, cfg, p);
  const { width: cw, height: ch } = cfg.crop;
  const out = new Uint8Array(cw * ch * 3);
  for (let y = 0; y < p.y.len; y++) {
    for (let x = 0; x < p.x.len; x++) {
      const o = ((p.y.dst + y) * cw + p.x.dst + x) * 3;
      const i = (y * p.x.len + x) * p.channels;
      out[o] = src[i];
      out[o + 1] = src[p.channels === 3 ? i + 1 : i];
      out[o + 2] = src[p.channels === 3 ? i + 2 : i];
    }
  }
  return { data: out, width: cw, height: ch, channels: 3 };
}

const lut = new Float32Array(3 * 256);

/**
 * Value of each uint8 level per channel after ToTensor + Normalize, in float32 steps as torch
 * computes them: (fl32(v / 255) - fl32(mean)) / fl32(std).
 */
function fillLut(cfg: PreprocessConfig): Float32Array {
  const f = Math.fround;
  const byDivision = cfg.rescale === 1 / 255;
  for (let c = 0; c < 3; c++) {
    const mean = f(cfg.mean[c]);
    const std = f(cfg.std[c]);
    for (let v = 0; v < 256; v++) {
      const x = f(byDivision ? v / 255 : v * cfg.rescale);
      lut[c * 256 + v] = f(f(x - mean) / std);
    }
  }
  return lut;
}

/**
 * Preprocess one image into float32 CHW [3, crop.height, crop.width]. With `out`, writes at
 * `offset` (for batching) and returns `out`; otherwise returns a new array.
 */
export function preprocessImage(img: RawImage, cfg: PreprocessConfig, out?: Float32Array, offset = 0): Float32Array {
  const p = plan(img, cfg);
  const { width: cw, height: ch } = cfg.crop;
  const plane = cw * ch;
  const dst = out ?? new Float32Array(3 * plane);
  if (!(Number.isInteger(offset) && offset >= 0) || offset + 3 * plane > dst.length) {
    throw new RangeError(`output needs ${3 * plane} floats at offset ${offset}, has ${dst.length}`);
  }
  const src = resizedRegion(img, cfg, p);
  const table = fillLut(cfg);
  const padded = p.x.len < cw || p.y.len < ch;
  const nc = p.channels;
  if (nc === 3 && !padded) {
    // One sequential read of the HWC bytes, three plane writes (the common case, no padding).
    const b1 = offset + plane;
    const b2 = b1 + plane;
    for (let o = 0, i = 0; o < plane; o++, i += 3) {
      dst[offset + o] = table[src[i]];
      dst[b1 + o] = table[256 + src[i + 1]];
      dst[b2 + o] = table[512 + src[i + 2]];
    }
    return dst;
  }
  for (let c = 0; c < 3; c++) {
    const base = offset + c * plane;
    const t = c * 256;
    if (padded) dst.fill(table[t], base, base + plane);
    const sc = nc === 3 ? c : 0;
    for (let y = 0; y < p.y.len; y++) {
      let o = base + (p.y.dst + y) * cw + p.x.dst;
      let i = y * p.x.len * nc + sc;
      for (let x = 0; x < p.x.len; x++, i += nc) dst[o++] = table[t + src[i]];
    }
  }
  return dst;
}
