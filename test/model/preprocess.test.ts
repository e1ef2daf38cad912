import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RawImage } from '../../src/datasets/types.ts';
import {
  CLIP_224,
  preprocessImage,
  resizeAndCrop,
  resizedSize,
  resizeImage,
  toRGB,
  type PreprocessConfig,
  type ResampleFilter,
} from '../../src/model/preprocess/index.ts';
import { decodeNpy } from '../../src/util/npy.ts';

// References made by bench/dev/gen-preprocess-refs.py with Pillow (see cases.json for the version).
const DIR = join(import.meta.dirname, '..', 'fixtures', 'preprocess');

interface Manifest {
  cases: { name: string; image: string; config: PreprocessConfig; uint8: string; float32?: string }[];
  resizes: { image: string; width: number; height: number; filter: ResampleFilter; uint8: string }[];
  rgb: { image: string; uint8: string }[];
}
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Manifest;

function npy(file: string) {
  return decodeNpy(readFileSync(join(DIR, file)), file);
}

/** Decode a PNG keeping its channel layout (L → 1, LA → 2, palette → RGB(A) as the decoder expands it). */
async function decode(file: string, forceRgb = false): Promise<RawImage> {
  const path = join(DIR, file);
  const meta = await sharp(path).metadata();
  const grey = meta.space === 'b-w' && !forceRgb;
  const { data, info } = await (grey ? sharp(path).toColourspace('b-w') : sharp(path)).raw().toBuffer({ resolveWithObject: true });
  let img: RawImage = { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels as 1 | 3 | 4 };
  if (grey && meta.hasAlpha) {
    // sharp drops alpha with b-w; rebuild L+A from its RGBA output to exercise the 2-channel path.
    const rgba = await sharp(path).raw().toBuffer();
    const la = new Uint8Array(info.width * info.height * 2);
    for (let i = 0; i < info.width * info.height; i++) {
      la[i * 2] = rgba[i * 4];
      la[i * 2 + 1] = rgba[i * 4 + 3];
    }
    img = { data: la, width: info.width, height: info.height, channels: 2 };
  }
  return img;
}

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe('toRGB (PIL convert("RGB"))', () => {
  for (const { image, uint8 } of manifest.rgb) {
    it(`matches PIL for ${image}`, async () => {
      const img = await decode(image);
      const rgb = toRGB(img);
      const ref = npy(uint8);
      expect(rgb.channels).toBe(3);
      expect([rgb.height, rgb.width, 3]).toEqual(ref.shape);
      expect(Buffer.from(rgb.data).equals(Buffer.from(ref.data as Uint8Array))).toBe(true);
    });
  }

  it('drops alpha without compositing (transparent pixels keep their colour)', () => {
    const img: RawImage = { data: Uint8Array.from([10, 20, 30, 0, 200, 100, 50, 128]), width: 2, height: 1, channels: 4 };
    expect(Array.from(toRGB(img).data)).toEqual([10, 20, 30, 200, 100, 50]);
  });

  it('replicates L and the L of LA', () => {
    expect(Array.from(toRGB({ data: Uint8Array.from([7, 250]), width: 2, height: 1, channels: 1 }).data)).toEqual([7, 7, 7, 250, 250, 250]);
    expect(Array.from(toRGB({ data: Uint8Array.from([7, 0, 9, 255]), width: 2, height: 1, channels: 2 }).data)).toEqual([7, 7, 7, 9, 9, 9]);
  });
});

describe('resizeImage (PIL Image.resize)', () => {
  for (const r of manifest.resizes) {
    it(`${r.image} → ${r.width}x${r.height} ${r.filter} equals PIL exactly`, async () => {
      const img = await decode(r.image);
      const out = resizeImage(img, r.width, r.height, r.filter);
      const ref = npy(r.uint8);
      expect(ref.shape).toEqual([r.height, r.width]);
      expect(diffStats(out.data, ref.data as Uint8Array).max).toBe(0);
    });
  }
});

describe('resizedSize (torchvision Resize(int))', () => {
  it('truncates the long side like int(size * long / short)', () => {
    expect(resizedSize(17, 23, CLIP_224)).toEqual({ width: 224, height: 303 }); // 303.06
    expect(resizedSize(500, 375, CLIP_224)).toEqual({ width: 298, height: 224 }); // 298.67, not 299
    expect(resizedSize(32, 32, CLIP_224)).toEqual({ width: 224, height: 224 });
    expect(resizedSize(500, 375, { resizeMode: 'exact', size: 64 })).toEqual({ width: 64, height: 64 });
  });
});

describe('preprocessing matches PIL + torchvision', () => {
  for (const c of manifest.cases) {
    it(`${c.name}: resized+cropped uint8 equals PIL's`, async () => {
      const img = await decode(c.image);
      const got = resizeAndCrop(img, c.config);
      const ref = npy(c.uint8);
      expect(ref.shape).toEqual([c.config.crop.height, c.config.crop.width, 3]);
      const { max } = diffStats(got.data, ref.data as Uint8Array);
      expect(max).toBe(0);
    });

    it(`${c.name}: float tensor agrees with the uint8 reference normalised`, async () => {
      const img = await decode(c.image);
      const { height: h, width: w } = c.config.crop;
      const got = preprocessImage(img, c.config);
      expect(got.length).toBe(3 * h * w);
      const ref = npy(c.uint8).data as Uint8Array;
      let max = 0;
      for (let ch = 0; ch < 3; ch++) {
        for (let i = 0; i < h * w; i++) {
          const want = (ref[i * 3 + ch] / 255 - c.config.mean[ch]) / c.config.std[ch];
          max = Math.max(max, Math.abs(got[ch * h * w + i] - want));
        }
      }
      expect(max).toBeLessThan(1e-5);
    });

    if (c.float32) {
      const file = c.float32;
      it(`${c.name}: float tensor equals torch's ToTensor+Normalize`, async () => {
        const img = await decode(c.image);
        const ref = npy(file);
        expect(ref.dtype).toBe('<f4');
        expect(ref.shape).toEqual([3, c.config.crop.height, c.config.crop.width]);
        const { max } = diffStats(preprocessImage(img, c.config), ref.data as Float32Array);
        expect(max).toBe(0);
      });
    }
  }

  it('gives the same result for an L image decoded as 1 or 3 channels', async () => {
    const grey = await decode('grey_l_28x28.png');
    const rgb = await decode('grey_l_28x28.png', true);
    expect(grey.channels).toBe(1);
    expect(rgb.channels).toBe(3);
    expect(Array.from(preprocessImage(grey, CLIP_224))).toEqual(Array.from(preprocessImage(rgb, CLIP_224)));
  });
});

describe('preprocessImage layout', () => {
  const img: RawImage = { data: new Uint8Array(5 * 4 * 3).fill(255), width: 5, height: 4, channels: 3 };
  const cfg: PreprocessConfig = { ...CLIP_224, resizeMode: 'exact', size: 4, crop: { height: 4, width: 6 } };

  it('writes CHW at the given offset and leaves the rest of the batch alone', () => {
    const out = new Float32Array(2 + 3 * 4 * 6 + 2).fill(-99);
    const ret = preprocessImage(img, cfg, out, 2);
    expect(ret).toBe(out);
    expect([out[0], out[1], out[out.length - 2], out[out.length - 1]]).toEqual([-99, -99, -99, -99]);
  });

  it('pads a crop larger than the image with zeros (normalised), (crop - size) // 2 on the left', () => {
    const out = preprocessImage(img, cfg);
    const zero = Math.fround(Math.fround(0 - Math.fround(cfg.mean[1])) / Math.fround(cfg.std[1]));
    const white = Math.fround(Math.fround(1 - Math.fround(cfg.mean[1])) / Math.fround(cfg.std[1]));
    const row = Array.from(out.subarray(4 * 6, 4 * 6 + 6)); // channel 1, row 0
    expect(row).toEqual([zero, white, white, white, white, zero]);
  });

  it('refuses an output array that is too small', () => {
    expect(() => preprocessImage(img, cfg, new Float32Array(10))).toThrow(RangeError);
  });
});
