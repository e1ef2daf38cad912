/** Fixtures for user-data tests: small images written with sharp into temp folders. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

export type Format = 'png' | 'jpg' | 'webp';

/** A w×h image of `channels` channels, filled with `value` (alpha `alpha`, default 255), encoded as `format`. */
export async function encodeImage(opts: { w?: number; h?: number; channels?: 1 | 2 | 3 | 4; value?: number; format?: Format; palette?: boolean; alpha?: number } = {}): Promise<Buffer> {
  const { w = 8, h = 6, channels = 3, value = 100, format = 'png' } = opts;
  const data = Buffer.alloc(w * h * channels, value);
  if (channels === 2 || channels === 4) for (let i = channels - 1; i < data.length; i += channels) data[i] = opts.alpha ?? 255;
  let img = sharp(data, { raw: { width: w, height: h, channels } });
  if (channels <= 2) img = img.toColourspace('b-w');
  if (format === 'jpg') return img.jpeg().toBuffer();
  if (format === 'webp') return img.webp({ lossless: true }).toBuffer();
  return img.png({ palette: opts.palette ?? false }).toBuffer();
}

/** Write `files` (relative path → bytes or text) under `root`. */
export async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }
}

/** Bytes that no decoder accepts. */
export const NOT_AN_IMAGE = Buffer.from('this is not an image\n');

/**
 * A PNG whose header (IHDR) is intact but whose pixel data (IDAT) is cut short: the file is
 * encoded with sharp from seeded noise (which deflate cannot shrink much) and then truncated to
 * half its length, so `metadata()` succeeds and decoding the rows fails.
 */
export async function truncatedPng(w = 32, h = 32): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const png = await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  return png.subarray(0, Math.floor(png.length / 2));
}
