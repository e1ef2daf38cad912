/**
 * Image files → RawImage, keeping the file's own channels (1 L, 2 LA, 3 RGB, 4 RGBA) as 8-bit HWC.
 * No resizing, no rotation, no colour management: like PIL's Image.open, EXIF orientation and
 * embedded ICC profiles are ignored, so the conversion to RGB that CLIP preprocessing does later
 * sees the same pixels PIL would. Palette images expand to RGB(A); 16-bit images drop to 8 bits.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../util/errors.ts';
import type { RawImage } from './types.ts';

/** libvips colour spaces that hold one grey band (plus alpha). */
const GREY_SPACES = new Set(['b-w', 'grey16']);

export async function decodeImageFile(path: string): Promise<RawImage> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read image ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeImageBuffer(buf, path);
}

export async function decodeImageBuffer(buf: Buffer, nameForErrors: string): Promise<RawImage> {
  let headerOk = false;
  try {
    const input = sharp(buf, { ignoreIcc: true, failOn: 'error' });
    const meta = await input.metadata();
    headerOk = true;
    const { data, info } = await input.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const image: RawImage = { data: pixels, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
    if (image.channels < 1 || image.channels > 4) throw new Error(`unsupported ${image.channels}-channel image`);
    // sharp's raw output is sRGB (grey replicated into R=G=B); keep grey files grey.
    return GREY_SPACES.has(meta.space ?? '') && image.channels >= 3 ? collapseGrey(image) : image;
  } catch (e) {
    throw new UserError(`cannot decode image ${nameForErrors}: ${failureReason(e, headerOk)}`);
  }
}

/** RGB(A) with R=G=B → L(A): keep the first colour band and the alpha band. */
function collapseGrey(img: RawImage): RawImage {
  const inC = img.channels;
  const outC = inC === 4 ? 2 : 1;
  const n = img.width * img.height;
  const out = new Uint8Array(n * outC);
  for (let i = 0; i < n; i++) {
    out[i * outC] = img.data[i * inC];
    if (outC === 2) out[i * 2 + 1] = img.data[i * inC + 3];
  }
  return { data: out, width: img.width, height: img.height, channels: outC };
}

/**
 * Is this a readable image? Returns the reason when it is not. `pixels: false` reads the header
 * only (cheap); `pixels: true` also decodes every pixel, which is the only way to catch a file
 * whose header is intact but whose data is truncated or damaged (a PNG cut mid-IDAT passes the
 * header check: libpng fails only when the rows are read).
 */
export async function checkImageBuffer(buf: Buffer, opts: { pixels: boolean }): Promise<string | undefined> {
  let headerOk = false;
  try {
    const meta = await sharp(buf, { failOn: 'error' }).metadata();
    if (!meta.width || !meta.height) return 'no image dimensions in header';
    headerOk = true;
    if (!opts.pixels) return undefined;
    const decoder = sharp(buf, { ignoreIcc: true, failOn: 'error' });
    // Every row is decoded either way. Large images go through a thumbnail with shrink-on-load
    // (JPEG DCT scaling): about half the time, and memory that does not grow with the image;
    // small ones decode plainly, which is cheaper than setting up a resize (measured, sharp 0.35).
    if (meta.width * meta.height > LARGE_PIXELS) await decoder.resize(8, 8, { fit: 'fill', fastShrinkOnLoad: true }).raw().toBuffer();
    else await decoder.raw().toBuffer();
    return undefined;
  } catch (e) {
    return failureReason(e, headerOk);
  }
}

/** Above this many pixels a full check decodes through a thumbnail (see checkImageBuffer). */
const LARGE_PIXELS = 1 << 20;

function failureReason(e: unknown, headerOk: boolean): string {
  if (!headerOk) return reasonOf(e);
  // libvips keeps one error buffer for all threads: under concurrent decodes the detail can be lost.
  const detail = reasonOf(e);
  return `header readable but pixel data damaged or truncated${/^unknown( decoder)? error$/i.test(detail) ? '' : ` (${detail})`}`;
}

function reasonOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // libvips messages can run to several lines; the first says what happened.
  return msg.split('\n')[0].trim().replace(/:$/, '') || 'unknown decoder error';
}
