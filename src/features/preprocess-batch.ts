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

/** Shift + model preprocessing of a batch into one [n,3,H,W] tensor (`out`, every float overwritten). */
export async function preprocessBatch(job: PreprocessJob, out: Float32Array = new Float32Array(job.images.length * pixelsPerImage(job.cfg))): Promise<Float32Array> {
  const claim = new Int32Array(CLAIM_SLOTS);
  await preprocessClaimed(job, claim, out);
  return out;
}

/** Slots of a batch's claim counters: the next unclaimed image, and the images finished. */
export const NEXT = 0;
export const FINISHED = 1;
export const CLAIM_SLOTS = 2;

/**
 * Work on a batch shared by several threads: claim its images one at a time (Atomics.add on `claim[NEXT]`,
 * so each image is taken by exactly one thread) and preprocess each into `out` at its place, until none is
 * left; each finished image is counted in `claim[FINISHED]`. Whichever thread takes an image, the same code
 * computes the same pixels, so the batch does not depend on who did what. `taken` (optional) records the
 * images this thread did. Returns how many it did.
 */
export async function preprocessClaimed(job: PreprocessJob, claim: Int32Array, out: Float32Array, taken?: Uint8Array): Promise<number> {
  const shift = resolveShift(job.shift);
  const per = pixelsPerImage(job.cfg);
  const ctx = { datasetIdentity: job.datasetIdentity, split: job.split };
  const n = job.images.length;
  let done = 0;
  for (let i = Atomics.add(claim, NEXT, 1); i < n; i = Atomics.add(claim, NEXT, 1)) {
    preprocessImage(await shift.apply(job.images[i], job.indices[i], ctx), job.cfg, out, i * per);
    if (taken) taken[i] = 1;
    Atomics.add(claim, FINISHED, 1);
    done++;
  }
  return done;
}
