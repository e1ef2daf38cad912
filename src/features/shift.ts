import type { RawImage } from '../datasets/types.ts';
import { UserError } from '../util/errors.ts';
import { applyCorruption, corruptionSeed, findCorruption, type CorruptionSpec } from '../shifts/index.ts';

/** Which image of which split a shift is applied to: what a seeded corruption's randomness depends on. */
export interface ShiftContext {
  datasetIdentity: string;
  split: string;
}

/**
 * A distribution shift applied to raw images in the preprocessing stream, before the model's own
 * preprocessing. Identified by a string id ("none", "corruption/gaussian_noise:3/seed0") that is part
 * of the feature-cache key and is all a preprocessing worker needs to rebuild it. `apply` is
 * deterministic in (image, index, context), so shifted features are reproducible and do not depend on
 * batch size, worker count or sharding.
 */
export interface ImageShift {
  id: string;
  /** What results and reports call it, e.g. "gaussian_noise:3". */
  label: string;
  apply(img: RawImage, index: number, ctx: ShiftContext): RawImage | Promise<RawImage>;
}

export const NO_SHIFT: ImageShift = { id: 'none', label: 'none', apply: (img) => img };

/** The corruption `spec` with per-image randomness from `seed` (CIFAR-10-C re-implementation). */
export function corruptionShift(spec: CorruptionSpec, seed: number): ImageShift {
  const { corruption, severity } = spec;
  const entry = findCorruption(corruption);
  if (!entry) throw new UserError(`unknown corruption "${corruption}"`);
  return {
    // Deterministic corruptions give the same pixels for every seed, so their cache entries are shared.
    id: `corruption/${corruption}:${severity}${entry.seeded ? `/seed${seed}` : ''}`,
    label: `${corruption}:${severity}`,
    apply: (img, index, ctx) =>
      applyCorruption(img, corruption, severity, corruptionSeed({ seed, datasetIdentity: ctx.datasetIdentity, split: ctx.split, row: index, corruption, severity })),
  };
}

/** Rebuilds a shift from its id (in a preprocessing worker). */
export function resolveShift(id: string): ImageShift {
  if (id === NO_SHIFT.id) return NO_SHIFT;
  const m = /^corruption\/([a-z_]+):([1-5])(?:\/seed(-?\d+))?$/.exec(id);
  if (m) return corruptionShift({ corruption: m[1], severity: Number(m[2]) }, m[3] === undefined ? 0 : Number(m[3]));
  throw new UserError(`unknown shift id "${id}"`);
}
