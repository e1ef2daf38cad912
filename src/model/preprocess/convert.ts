/**
 * Pillow `Image.convert('RGB')` for decoded 8-bit images. Pillow replicates L (and the L of LA)
 * into R, G, B and simply drops alpha from LA and RGBA: no compositing over a background, so a
 * fully transparent pixel keeps its stored colour. (Palette images arrive here already expanded
 * to RGB(A) by the decoder, which is what Pillow's P → RGB palette lookup gives.)
 */
import type { RawImage } from '../../datasets/types.ts';

/** The image as 3-channel RGB; returns `img` itself when it already is. */
export function toRGB(img: RawImage): RawImage {
  const { width, height, channels: c, data } = img;
  if (c === 3) return img;
  const n = width * height;
  if (data.length < n * c) throw new RangeError(`image data has ${data.length} bytes, expected ${n * c}`);
  const out = new Uint8Array(n * 3);
  if (c === 1 || c === 2) {
    for (let i = 0, p = 0, o = 0; i < n; i++, p += c, o += 3) {
      const v = data[p];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  } else {
    for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
      out[o] = data[p];
      out[o + 1] = data[p + 1];
      out[o + 2] = data[p + 2];
    }
  }
  return { data: out, width, height, channels: 3 };
}
