import type { Dataset, LabeledImage, RawImage, Split } from '../../src/datasets/types.ts';
import { sha256 } from '../../src/util/hash.ts';

/** An in-memory dataset of small deterministic RGB images: image i has pixel values derived from i. */
export function memoryDataset(opts: { train?: number; test: number; classes?: string[]; size?: number; salt?: string }): Dataset & {
  image(split: Split, i: number): RawImage;
} {
  const classes = opts.classes ?? ['cat', 'dog', 'car'];
  const size = opts.size ?? 8;
  const counts: Partial<Record<Split, number>> = { test: opts.test };
  if (opts.train) counts.train = opts.train;
  const image = (split: Split, i: number): RawImage => {
    const data = new Uint8Array(size * size * 3);
    const base = (split === 'train' ? 7 : 13) * i;
    for (let p = 0; p < data.length; p++) data[p] = (base + p * (1 + (i % 5))) % 256;
    return { data, width: size, height: size, channels: 3 };
  };
  const label = (i: number) => i % classes.length;
  return {
    name: 'memory',
    classes,
    templates: ['a photo of a {}.'],
    splits: Object.keys(counts) as Split[],
    provenance: { source: 'memory', checksum: sha256(`memory${opts.salt ?? ''}`) },
    identity: (split) => sha256(`memory:${split}:${opts.salt ?? ''}`),
    size: async (split) => counts[split] ?? 0,
    labels: async (split) => Int32Array.from({ length: counts[split] ?? 0 }, (_, i) => label(i)),
    async *read(split, indices) {
      const idx = indices ?? Array.from({ length: counts[split] ?? 0 }, (_, i) => i);
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k];
        yield { index: i, label: label(i), image: image(split, i) } satisfies LabeledImage;
      }
    },
    image,
  };
}
