/**
 * The corruptions work like make_cifar_c.py: uint8 RGB → float in [0, 1] (x / 255.) → filters →
 * `np.clip(x, 0, 1) * 255` → `np.uint8(...)`, which truncates toward zero (no rounding). Every
 * corruption sees 3-channel RGB: 1-channel images are replicated (Pillow's convert('RGB')), alpha
 * is dropped; the result is always RGB (snow, spatter and frost add colour).
 */
import type { RawImage } from '../datasets/types.ts';
import { toRGB } from '../model/preprocess/convert.ts';

/** An interleaved HWC float image (Float64Array like NumPy's default float; some steps round to float32 as the original does). */
export interface FloatImage {
  data: Float64Array | Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** `np.array(img) / 255.` of the image as RGB. */
export function toUnitFloat(img: RawImage): FloatImage {
  const rgb = toRGB(img);
  const data = new Float64Array(rgb.width * rgb.height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb.data[i] / 255;
  return { data, width: rgb.width, height: rgb.height, channels: 3 };
}

/** `np.uint8(np.clip(x, 0, 1) * 255)`: clip, scale, truncate. NaN (0/0 in the original) becomes 0. */
export function fromUnitFloat(f: FloatImage): RawImage {
  const out = new Uint8Array(f.data.length);
  const d = f.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    out[i] = v > 0 ? (v < 1 ? v * 255 : 255) : 0; // Uint8Array stores truncate toward zero
  }
  return { data: out, width: f.width, height: f.height, channels: f.channels as RawImage['channels'] };
}

/** `np.uint8(np.clip(x, 0, 255))` of a float image already in 0..255. */
export function fromByteFloat(f: FloatImage): RawImage {
  const out = new Uint8Array(f.data.length);
  const d = f.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    out[i] = v > 0 ? (v < 255 ? v : 255) : 0;
  }
  return { data: out, width: f.width, height: f.height, channels: f.channels as RawImage['channels'] };
}

/** Index into [0, n) with reflection about the edge pixel centres, `gfedcb|abcdefgh|gfedcba` (OpenCV BORDER_REFLECT_101). */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/** Index into [0, n) with half-sample symmetry, `dcba|abcd|dcba` (scipy.ndimage mode 'reflect'). */
export function reflectHalf(i: number, n: number): number {
  const period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

/** Edge replication (scipy mode 'nearest', ImageMagick's edge virtual pixels). */
export function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

export type BorderMode = 'nearest' | 'reflect' | 'reflect101';

export const BORDER: Record<BorderMode, (i: number, n: number) => number> = {
  nearest: clampIndex,
  reflect: reflectHalf,
  reflect101: reflect101,
};
