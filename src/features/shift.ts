import type { RawImage } from '../datasets/types.ts';
import { UserError } from '../util/errors.ts';

/**
 * A distribution shift applied to raw images in the preprocessing stream, before the model's own
 * preprocessing. Identified by a string id ("none", later "gaussian_noise:3") that is part of the
 * feature-cache key and is all a preprocessing worker needs to rebuild it.
 * `apply` must be deterministic in (image, index) so shifted features are reproducible.
 */
export interface ImageShift {
  id: string;
  apply(img: RawImage, index: number): RawImage;
}

export const NO_SHIFT: ImageShift = { id: 'none', apply: (img) => img };

const SHIFTS = new Map<string, ImageShift>([[NO_SHIFT.id, NO_SHIFT]]);

export function resolveShift(id: string): ImageShift {
  const s = SHIFTS.get(id);
  if (!s) throw new UserError(`unknown shift "${id}"; known: ${[...SHIFTS.keys()].join(', ')}`);
  return s;
}
