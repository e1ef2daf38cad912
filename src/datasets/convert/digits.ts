/**
 * scikit-learn's 8×8 digits (UCI optdigits test set, 1797 images): digits.csv.gz, one row per
 * image, 64 ints 0–16 then the label. Pixels are scaled to 0–255 as round(v×255/16). No official
 * split: a seeded stratified one is made (see DIGITS_SPLIT).
 */
import { UserError } from '../../util/errors.ts';
import type { ConvertContext } from '../sources.ts';
import type { StoreWriter } from '../store.ts';
import { readMaybeGzip } from './archive.ts';
import { stratifiedTestMask } from './split.ts';

export const DIGITS_FILE = 'digits.csv.gz';
export const DIGITS_SPLIT = { method: 'stratified per class', testFraction: 0.2, seed: 1797 } as const;
const SIDE = 8;

export function parseDigitsCsv(text: string, path: string): { images: Uint8Array[]; labels: number[] } {
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const v = line.split(',').map(Number);
    if (v.length !== SIDE * SIDE + 1) throw new UserError(`${path}: line ${i + 1} has ${v.length} fields, expected 65 (64 pixels + label)`);
    const img = new Uint8Array(SIDE * SIDE);
    for (let j = 0; j < img.length; j++) {
      if (!Number.isInteger(v[j]) || v[j] < 0 || v[j] > 16) throw new UserError(`${path}: line ${i + 1} pixel ${j} = ${lines[i].split(',')[j]} is not an integer 0–16`);
      img[j] = Math.round((v[j] * 255) / 16);
    }
    const label = v[SIDE * SIDE];
    if (!Number.isInteger(label) || label < 0 || label > 9) throw new UserError(`${path}: line ${i + 1} label ${label} is not 0–9`);
    images.push(img);
    labels.push(label);
  }
  if (images.length === 0) throw new UserError(`${path}: no rows`);
  return { images, labels };
}

export async function convertDigits(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const path = files[DIGITS_FILE];
  const buf = await readMaybeGzip(path);
  const { images, labels } = parseDigitsCsv(buf.toString('utf8'), path);
  const test = stratifiedTestMask(labels, ctx.classes, DIGITS_SPLIT.seed, DIGITS_SPLIT.testFraction);
  const train = await out.split('train', { width: SIDE, height: SIDE, channels: 1 });
  const testW = await out.split('test', { width: SIDE, height: SIDE, channels: 1 });
  for (let i = 0; i < images.length; i++) await (test[i] ? testW : train).append(images[i], labels[i]);
}
