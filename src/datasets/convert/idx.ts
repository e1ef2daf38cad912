/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST): big-endian header, magic 0x00000803
 * (2051) for uint8 images n×rows×cols, 0x00000801 (2049) for uint8 labels.
 */
import { UserError } from '../../util/errors.ts';
import type { Split } from '../types.ts';
import type { StoreWriter } from '../store.ts';
import { createProgress, type ProgressOptions } from '../../util/progress.ts';
import { readMaybeGzip } from './archive.ts';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

export function parseIdxImages(buf: Uint8Array, path: string): IdxImages {
  if (buf.length < 16) throw new UserError(`${path}: ${buf.length} bytes, too short for an IDX image header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== 2051) throw new UserError(`${path}: IDX magic ${magic}, expected 2051 (uint8 images); not an IDX image file`);
  const count = dv.getUint32(4);
  const rows = dv.getUint32(8);
  const cols = dv.getUint32(12);
  const expected = 16 + count * rows * cols;
  if (buf.length !== expected) {
    throw new UserError(
      `${path}: ${buf.length} bytes, header says ${count} images of ${rows}×${cols} = ${expected} bytes (${buf.length < expected ? 'truncated' : 'trailing data'}); replace the file`,
    );
  }
  return { count, rows, cols, pixels: buf.subarray(16) };
}

export function parseIdxLabels(buf: Uint8Array, path: string, numClasses: number): Uint8Array {
  if (buf.length < 8) throw new UserError(`${path}: ${buf.length} bytes, too short for an IDX label header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== 2049) throw new UserError(`${path}: IDX magic ${magic}, expected 2049 (uint8 labels); not an IDX label file`);
  const count = dv.getUint32(4);
  if (buf.length !== 8 + count) {
    throw new UserError(`${path}: ${buf.length} bytes, header says ${count} labels = ${8 + count} bytes (${buf.length < 8 + count ? 'truncated' : 'trailing data'}); replace the file`);
  }
  const labels = buf.subarray(8);
  const bad = labels.findIndex((l) => l >= numClasses);
  if (bad >= 0) throw new UserError(`${path}: label ${labels[bad]} at index ${bad} is outside 0..${numClasses - 1}`);
  return labels;
}

/** Convert one images/labels IDX pair (gzipped or raw) into split `split` of `out`. */
export async function convertIdxPair(
  out: StoreWriter,
  split: Split,
  imagesPath: string,
  labelsPath: string,
  numClasses: number,
  progress: ProgressOptions,
): Promise<void> {
  const images = parseIdxImages(await readMaybeGzip(imagesPath), imagesPath);
  const labels = parseIdxLabels(await readMaybeGzip(labelsPath), labelsPath, numClasses);
  if (labels.length !== images.count) {
    throw new UserError(`${labelsPath} has ${labels.length} labels but ${imagesPath} has ${images.count} images; they must match`);
  }
  const w = await out.split(split, { width: images.cols, height: images.rows, channels: 1 });
  const per = images.rows * images.cols;
  const p = createProgress(`convert ${split}`, images.count, { unit: 'images', ...progress });
  for (let i = 0; i < images.count; i++) {
    await w.append(images.pixels.subarray(i * per, (i + 1) * per), labels[i]);
    p.tick();
  }
  p.done();
}
