import type { RawImage } from '../datasets/types.ts';
import type { PreprocessConfig } from '../model/preprocess/config.ts';
import { preprocessImage } from '../model/preprocess/index.ts';
import { resolveShift } from './shift.ts';

export interface PreprocessJob {
  cfg: PreprocessConfig;
  shift: string;
  /** Where the images come from (seeded shifts draw per (dataset, split, row)). */
  datasetIdentity: string;
  split: string;
  images: RawImage[];
  indices: number[];
}

/** Float32 values per preprocessed image (CHW). */
export function pixelsPerImage(cfg: PreprocessConfig): number {
  return 3 * cfg.crop.height * cfg.crop.width;
}

/** Shift + model preprocessing of a batch into one [n,3,H,W] tensor. Runs in a worker or inline. */
export async function preprocessBatch(job: PreprocessJob): Promise<Float32Array> {
  const shift = resolveShift(job.shift);
  const per = pixelsPerImage(job.cfg);
  const out = new Float32Array(job.images.length * per);
  const ctx = { datasetIdentity: job.datasetIdentity, split: job.split };
  for (let i = 0; i < job.images.length; i++) {
    preprocessImage(await shift.apply(job.images[i], job.indices[i], ctx), job.cfg, out, i * per);
  }
  return out;
}
