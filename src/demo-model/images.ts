import { CLIP_224 } from '../model/preprocess/config.ts';

/**
 * In-memory image sets for training the demo model: all images of a set share one size and
 * channel count, stored as one contiguous uint8 HWC buffer (cheap to hold: 50k CIFAR images = 150 MB).
 */
export interface ImageSet {
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** n × height × width × channels, uint8, row-major HWC per image. */
  pixels: Uint8Array;
  /** Labels (or -1 where the set is used unlabelled). */
  labels: Int32Array;
}

/** Model input side and per-channel normalisation (stated in the model's preprocessor config). */
export const INPUT_SIZE = 32;
export const PIXEL_MEAN = CLIP_224.mean;
export const PIXEL_STD = CLIP_224.std;

/** Options for turning one stored image into model input. */
export interface ToInputOptions {
  /** Invert intensities (255 - v) before normalising: sketches become dark strokes on white. */
  invert?: boolean;
  /** Mirror horizontally. */
  flip?: boolean;
}

/**
 * Write image `i` of `set` as normalised NCHW float (3 × 32 × 32) at `out[offset…]`.
 * Grey images are replicated to RGB; other sizes are bilinearly resized to 32 × 32
 * (align-corners false, like PIL/torch for upscaling).
 */
export function toPixelValues(set: ImageSet, i: number, out: Float32Array, offset: number, opts: ToInputOptions = {}): void {
  const { height: h, width: w, channels: c } = set;
  const S = INPUT_SIZE;
  const base = i * h * w * c;
  const px = set.pixels;
  const plane = S * S;
  for (let y = 0; y < S; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h) / S - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x0s = 0; x0s < S; x0s++) {
      const xs = opts.flip ? S - 1 - x0s : x0s;
      const sx = Math.min(Math.max(((xs + 0.5) * w) / S - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const cc = c === 1 ? 0 : ch;
        const v00 = px[base + (y0 * w + x0) * c + cc];
        const v01 = px[base + (y0 * w + x1) * c + cc];
        const v10 = px[base + (y1 * w + x0) * c + cc];
        const v11 = px[base + (y1 * w + x1) * c + cc];
        let v = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
        if (opts.invert) v = 255 - v;
        out[offset + ch * plane + y * S + x0s] = (v / 255 - PIXEL_MEAN[ch]) / PIXEL_STD[ch];
      }
    }
  }
}
