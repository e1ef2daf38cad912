import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_CLASSNAMES, IMAGENET_TEMPLATES } from '../../src/datasets/imagenet-metadata.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
// Synthetic synset ids in the real ones' shape (n + 8 digits); only their sorted order matters here.
const WNIDS = Array.from({ length: 1000 }, (_, i) => `n${String(1440764 + i * 7).padStart(8, '0')}`);

beforeAll(async () => {
  dir = await tempDir('clip-bench-imagenet-');
  const files: Record<string, Buffer> = {};
  for (const [i, w] of WNIDS.entries()) {
    const img = await encodeImage({ w: 4, h: 4, value: i % 256 });
    files[`val/${w}/ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`] = img;
    files[`train/${w}/${w}_${i}.JPEG`] = img;
  }
  await writeTree(join(dir.path, 'imagenet'), files);
}, 120_000);
afterAll(() => dir.cleanup());

describe('ImageNet-1k (imagenet:<dir>)', () => {
  it('reads val/<wnid>/ as the test split and train/<wnid>/ as train, with OpenAI\'s curated names and 80 templates', async () => {
    const ds = await openDataset(`imagenet:${join(dir.path, 'imagenet')}`);
    expect(ds.classes).toHaveLength(1000);
    expect(ds.classes.slice(0, 3)).toEqual(['tench', 'goldfish', 'great white shark']);
    expect(ds.classes[999]).toBe('toilet paper');
    expect(ds.templates).toEqual(IMAGENET_TEMPLATES);
    expect(IMAGENET_TEMPLATES).toHaveLength(80);
    expect(IMAGENET_CLASSNAMES).toHaveLength(1000);
    expect(ds.splits).toEqual(['train', 'test']);
    const labels = await ds.labels('test');
    expect(labels.length).toBe(1000);
    expect([...labels.slice(0, 3), labels[999]]).toEqual([0, 1, 2, 999]);
  }, 60_000);

  it('a folder without the 1,000 synset folders is refused, naming the count', async () => {
    await rm(join(dir.path, 'imagenet', 'val', WNIDS[5]), { recursive: true });
    const err = await openDataset(`imagenet:${join(dir.path, 'imagenet')}`).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`${join(dir.path, 'imagenet', 'val')} has 999 synset folders (n01440764 …), ImageNet-1k has 1000; give the folder of the 1,000 validation synset folders (or its parent, holding val/ and train/), or the flat ILSVRC2012_val_*.JPEG files with the devkit`);
  });
});
