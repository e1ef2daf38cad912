/**
 * Corrupt one decoded image. The result is always 3-channel RGB of the same width and height
 * (grey input is replicated to RGB first, alpha dropped), ready for the model's preprocessing.
 */
import type { RawImage } from '../datasets/types.ts';
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { CORRUPTION_NAMES, findCorruption } from './registry.ts';

/** Smallest side every corruption handles (pixelate shrinks to int(0.65·side); elastic needs side/3 ≥ 1). */
export const MIN_SIDE = 4;

/** Throws a UserError when images of this size cannot be corrupted; `what` names them in the message. */
export function checkCorruptible(width: number, height: number, what: string): void {
  if (width < MIN_SIDE || height < MIN_SIDE) {
    throw new UserError(`${what}: ${width}×${height} images are too small to corrupt (each side must be at least ${MIN_SIDE} pixels)`);
  }
}

/**
 * Apply corruption `name` at `severity` (1–5). `seed` drives the random corruptions; for one image of
 * a dataset, pass corruptionSeed({ seed, datasetIdentity, split, row, corruption, severity }).
 */
export async function applyCorruption(image: RawImage, name: string, severity: number, seed: number): Promise<RawImage> {
  const entry = findCorruption(name);
  if (!entry) throw new UserError(`unknown corruption '${name}'; known: ${CORRUPTION_NAMES.join(', ')}`);
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new UserError(`${name}: severity ${severity} must be an integer from 1 to 5`);
  }
  checkCorruptible(image.width, image.height, 'image');
  return entry.apply(image, entry.severities[severity - 1], new Rng(seed));
}
