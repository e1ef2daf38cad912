import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_WNIDS } from '../../src/datasets/imagenet-wnids.ts';
import { readMatFile } from '../../src/datasets/mat-file.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

// meta.mat: bench/dev/gen-imagenet-devkit.py (scipy.io.savemat, compressed); its ILSVRC2012_IDs 1..3 are the devkit's.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'imagenet');
let dir: { path: string; cleanup: () => Promise<void> };
const root = () => join(dir.path, 'ILSVRC2012');
const data = () => join(root(), 'ILSVRC2012_devkit_t12', 'data');
// Ground truth of images 1..5: ILSVRC2012_IDs in the devkit's order, not sorted-wnid order.
const GROUND_TRUTH = [2, 1, 3, 1, 2];

beforeAll(async () => {
  dir = await tempDir('clip-bench-imagenet-flat-');
  const files: Record<string, Buffer | string> = { 'ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt': `${GROUND_TRUTH.join('\n')}\n` };
  for (let n = 1; n <= GROUND_TRUTH.length; n++) files[`val/ILSVRC2012_val_${String(n).padStart(8, '0')}.JPEG`] = await encodeImage({ w: 6, h: 5, value: 40 * n, format: 'jpg' });
  await writeTree(root(), files);
  await copyFile(join(FIXTURES, 'ILSVRC2012_devkit_t12', 'data', 'meta.mat'), join(data(), 'meta.mat'));
});
afterAll(() => dir.cleanup());

describe('MAT-file v5 reader', () => {
  it('reads numeric, char, cell and struct values of an uncompressed file', async () => {
    const m = readMatFile(await readFile(join(FIXTURES, 'small-v6.mat')));
    expect(m.get('x')).toEqual({ kind: 'numeric', dims: [1, 3], data: [1.5, 2.5, 3.5] });
    expect(m.get('t')).toEqual({ kind: 'char', dims: [1, 5], text: 'héllo' });
    const c = m.get('c');
    expect(c?.kind === 'cell' && c.cells[1]).toEqual({ kind: 'numeric', dims: [2, 2], data: [1, 3, 2, 4] }); // column-major
    const s = m.get('s');
    expect(s?.kind === 'struct' && s.records.map((r) => [r.id, r.name])).toEqual([
      [{ kind: 'numeric', dims: [1, 1], data: [7] }, { kind: 'char', dims: [1, 5], text: 'seven' }],
      [{ kind: 'numeric', dims: [1, 2], data: [2.5, -1] }, { kind: 'char', dims: [1, 14], text: 'two and a half' }],
    ]);
  });

  it('inflates the compressed devkit meta.mat: 1,000 leaves and 3 inner synsets', async () => {
    const s = readMatFile(await readFile(join(FIXTURES, 'ILSVRC2012_devkit_t12', 'data', 'meta.mat'))).get('synsets');
    expect(s?.kind).toBe('struct');
    if (s?.kind !== 'struct') return;
    expect(s.records).toHaveLength(1003);
    expect(s.records[0].WNID).toEqual({ kind: 'char', dims: [1, 9], text: 'n02119789' });
    expect(s.records[1002].ILSVRC2012_ID).toEqual({ kind: 'numeric', dims: [1, 1], data: [1003] });
  });
});

describe('the flat ILSVRC2012 validation layout (imagenet:<dir>)', () => {
  it('labels ILSVRC2012_val_*.JPEG through the ground truth and meta.mat, in sorted-wnid class order', async () => {
    const ds = await openDataset(`imagenet:${root()}`);
    expect(ds.splits).toEqual(['test']);
    // By hand: ILSVRC2012_ID 1 = kit fox n02119789 (sorted index 278), 2 = English setter n02100735 (212), 3 = Siberian husky n02110185 (250).
    expect([IMAGENET_WNIDS[278], IMAGENET_WNIDS[212], IMAGENET_WNIDS[250]]).toEqual(['n02119789', 'n02100735', 'n02110185']);
    expect([...(await ds.labels('test'))]).toEqual([212, 278, 250, 278, 212]);
    expect([ds.classes[278], ds.classes[212], ds.classes[250]]).toEqual(['kit fox', 'English Setter', 'Siberian Husky']);
    expect(ds.templates).toHaveLength(80);
    const seen: number[] = [];
    for await (const ex of ds.read('test')) seen.push(ex.image.width);
    expect(seen).toEqual([6, 6, 6, 6, 6]);
  });

  it('given the validation folder itself, finds the devkit beside it', async () => {
    const ds = await openDataset(`imagenet:${join(root(), 'val')}`);
    expect([...(await ds.labels('test'))]).toEqual([212, 278, 250, 278, 212]);
  });

  it('a ground truth shorter than the images is refused, naming the file', async () => {
    const gt = join(data(), 'ILSVRC2012_validation_ground_truth.txt');
    await writeFile(gt, '2\n1\n3\n');
    const err = await openDataset(`imagenet:${root()}`).catch((e) => e);
    await writeFile(gt, `${GROUND_TRUTH.join('\n')}\n`);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`${join(root(), 'val', 'ILSVRC2012_val_00000004.JPEG')}: image 4, but ${gt} has 3 lines; give the ground truth of the images present`);
  });

  it('a meta.mat without the synsets struct, or none at all, is refused naming it', async () => {
    const meta = join(data(), 'meta.mat');
    await copyFile(join(FIXTURES, 'small-v6.mat'), meta);
    const wrong = await openDataset(`imagenet:${root()}`).catch((e) => e);
    await rm(meta);
    const missing = await openDataset(`imagenet:${root()}`).catch((e) => e);
    await copyFile(join(FIXTURES, 'ILSVRC2012_devkit_t12', 'data', 'meta.mat'), meta);
    expect(wrong.message).toBe(`${meta}: no struct array "synsets" (the ILSVRC2012 devkit's meta.mat has one)`);
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toMatch(new RegExp(`^${meta.replace(/[.]/g, '\\.')}: no such file; the flat ILSVRC2012 layout needs the devkit`));
  });

  it('flat files without any devkit are refused, saying where it is looked for', async () => {
    const lone = join(dir.path, 'lone');
    await mkdir(lone);
    await copyFile(join(root(), 'val', 'ILSVRC2012_val_00000001.JPEG'), join(lone, 'ILSVRC2012_val_00000001.JPEG'));
    const err = await openDataset(`imagenet:${lone}`).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/holds the flat ILSVRC2012_val_\*\.JPEG layout but no ILSVRC2012_devkit_t12\/ folder is in it or beside it/);
  });
});
