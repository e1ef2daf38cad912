import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImageBuffer, decodeImageFile } from '../../src/datasets/decode.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, NOT_AN_IMAGE, writeTree } from './user-fixtures.ts';

describe('decodeImageBuffer keeps the file’s own channels', () => {
  it.each([
    [1, 'png'],
    [2, 'png'],
    [3, 'png'],
    [4, 'png'],
    [1, 'jpg'],
    [3, 'jpg'],
    [4, 'webp'],
  ] as const)('%i-channel %s (encoders drop an opaque alpha, so it is half transparent)', async (channels, format) => {
    const img = await decodeImageBuffer(await encodeImage({ w: 5, h: 3, channels, format, value: 120, alpha: 128 }), 'x');
    expect([img.width, img.height, img.channels]).toEqual([5, 3, channels]);
    expect(img.data.length).toBe(5 * 3 * channels);
  });

  it('grey values come back unchanged (no sRGB round trip)', async () => {
    const ramp = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const png = await sharp(ramp, { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const img = await decodeImageBuffer(png, 'ramp');
    expect(Buffer.from(img.data).equals(ramp)).toBe(true);
  });

  it('a palette PNG decodes to RGB, or RGBA when it has transparency', async () => {
    const rgb = await decodeImageBuffer(await encodeImage({ channels: 3, palette: true }), 'p');
    expect(rgb.channels).toBe(3);
    const rgbaPixels = Buffer.from([255, 0, 0, 255, 0, 0, 255, 0]);
    const pal = await sharp(rgbaPixels, { raw: { width: 2, height: 1, channels: 4 } }).png({ palette: true }).toBuffer();
    const rgba = await decodeImageBuffer(pal, 'pa');
    expect(rgba.channels).toBe(4);
    expect([...rgba.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    expect(rgba.data[7]).toBe(0);
  });

  it('16-bit PNGs decode to 8 bits', async () => {
    const png = await sharp(Buffer.alloc(12, 200), { raw: { width: 4, height: 1, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    const img = await decodeImageBuffer(png, 'deep');
    expect(img.data.length).toBe(12);
    expect(img.data[0]).toBe(200);
  });

  it('bytes that are no image give a UserError naming the source', async () => {
    const err = await decodeImageBuffer(NOT_AN_IMAGE, 'broken.png').catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^cannot decode image broken\.png: /);
  });
});

describe('decodeImageFile', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('clip-bench-decode-');
    await writeTree(dir.path, { 'ok.png': await encodeImage({ w: 2, h: 2 }), 'bad.jpg': NOT_AN_IMAGE });
  });
  afterAll(() => dir.cleanup());

  it('decodes a file', async () => {
    const img = await decodeImageFile(join(dir.path, 'ok.png'));
    expect([img.width, img.height, img.channels]).toEqual([2, 2, 3]);
  });

  it('a corrupt or missing file is a UserError naming the path', async () => {
    await expect(decodeImageFile(join(dir.path, 'bad.jpg'))).rejects.toThrow(join(dir.path, 'bad.jpg'));
    await expect(decodeImageFile(join(dir.path, 'none.png'))).rejects.toThrow(/cannot read image .*none\.png: ENOENT/);
  });
});
