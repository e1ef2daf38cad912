/** A dataset whose images lose a border of `px` pixels on every side when read (ObjectNet's frame). */
import { sha256, stableStringify } from '../../util/hash.ts';
import type { RawImage, Split } from '../types.ts';
import type { UserDataset } from './dataset.ts';

export function cropBorder(img: RawImage, px: number): RawImage {
  const width = Math.max(1, img.width - 2 * px);
  const height = Math.max(1, img.height - 2 * px);
  const x0 = Math.min(px, img.width - width);
  const y0 = Math.min(px, img.height - height);
  const c = img.channels;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) data.set(img.data.subarray(((y + y0) * img.width + x0) * c, ((y + y0) * img.width + x0 + width) * c), y * width * c);
  return { data, width, height, channels: c };
}

/** `ds` with every image cropped; its identity (and so its feature cache) says so. */
export function borderCropped(ds: UserDataset, px: number): UserDataset {
  const identity = (split: Split) => sha256(stableStringify({ base: ds.identity(split), cropBorder: px }));
  return Object.create(ds, {
    identity: { value: identity },
    provenance: { value: { ...ds.provenance, checksum: sha256(stableStringify({ base: ds.provenance.checksum, cropBorder: px })), notes: [ds.provenance.notes, `each image cropped by ${px} px on every side`].filter(Boolean).join('; ') } },
    read: {
      value: async function* (split: Split, indices?: ArrayLike<number>) {
        for await (const ex of ds.read(split, indices)) yield { ...ex, image: cropBorder(ex.image, px) };
      },
    },
  }) as UserDataset;
}
