import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickFormat } from '../../src/datasets/formats/index.ts';
import { splitOf } from '../../src/datasets/formats/parquet.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import type { Dataset, Split } from '../../src/datasets/types.ts';
import { main as benchMain } from '../../src/cli/bench.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256 } from '../../src/util/hash.ts';
import { runMain } from '../cli/capture.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, writeAsFolder, writeAsParquet, type Sample } from './format-fixtures.ts';

const CLASSES = ['apple', 'banana', 'cherry'];
let dir: { path: string; cleanup: () => Promise<void> };
let samples: Sample[];

beforeAll(async () => {
  dir = await tempDir('clip-bench-parquet-');
  samples = await makeSamples({ classes: 3, perClass: { train: 3, val: 1, test: 2 } });
  await writeAsParquet(join(dir.path, 'hf'), samples, CLASSES);
  await writeAsFolder(join(dir.path, 'folder'), samples, CLASSES);
});
afterAll(() => dir.cleanup());

async function pixels(ds: Dataset, split: Split, indices?: number[]) {
  const out: [number, number, string][] = [];
  for await (const x of ds.read(split, indices)) out.push([x.index, x.label, sha256(x.image.data)]);
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('Hugging Face parquet (parquet:<dir or file>)', () => {
  it('reads the split from file and folder names, as the hub names them', () => {
    expect(splitOf('plain_text/train-00000-of-00001.parquet')).toBe('train');
    expect(splitOf('plain_text/validation-00000-of-00002.parquet')).toBe('val');
    expect(splitOf('plain_text/test/0000.parquet')).toBe('test');
    expect(splitOf('default/train/0001.parquet')).toBe('train');
    expect(splitOf('data.parquet')).toBe('test');
  });

  it('is detected from its layout; class names from the file metadata; the same pixels, labels and order as the folder, across row groups', async () => {
    expect((await pickFormat(join(dir.path, 'hf'))).format.name).toBe('parquet');
    const ds = await openDataset(join(dir.path, 'hf'));
    const folder = await openDataset(join(dir.path, 'folder'));
    expect(ds.classes).toEqual(CLASSES);
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    for (const split of ds.splits) expect(await pixels(ds, split)).toEqual(await pixels(folder, split));
    expect(await pixels(ds, 'train', [0, 5, 8])).toEqual(await pixels(folder, 'train', [0, 5, 8]));
    expect(ds.provenance.files!.map((f) => f.path)).toEqual(['plain_text/test-00000-of-00001.parquet', 'plain_text/train-00000-of-00001.parquet', 'plain_text/validation-00000-of-00001.parquet']);
  });

  it('finds an image column of another name by its type, and takes class names from the dataset card YAML', async () => {
    const root = join(dir.path, 'card');
    await writeAsParquet(root, samples, CLASSES, { imageColumn: 'image', labelColumn: 'labels', names: 'card' });
    const ds = await openDataset(`parquet:${join(root, 'plain_text', 'test-00000-of-00001.parquet')}`);
    expect(ds.classes).toEqual(CLASSES);
    expect(ds.splits).toEqual(['test']);
    expect([...(await ds.labels('test'))]).toEqual([0, 0, 1, 1, 2, 2]);
    const all = await openDataset(`parquet:${root}`);
    expect(await pixels(all, 'val')).toEqual(await pixels(await openDataset(join(dir.path, 'folder')), 'val'));
  });

  it('a label column of another name is an error naming --label-column, and read when the flag names it', async () => {
    const root = join(dir.path, 'fine');
    await writeAsParquet(root, samples.filter((x) => x.split === 'test'), CLASSES, { labelColumn: 'fine', names: 'card' });
    const file = join(root, 'plain_text', 'test-00000-of-00001.parquet');
    expect(await failure(openDataset(root))).toBe(`${file}: no label column found (no ClassLabel feature, no integer "label" column; columns: img, fine); name it with --label-column`);
    const ds = await openDataset(root, { labelColumn: 'fine' });
    expect(ds.classes).toEqual(CLASSES);
    expect([...(await ds.labels('test'))]).toEqual([0, 0, 1, 1, 2, 2]);
    expect(await failure(openDataset(root, { imageColumn: 'picture', labelColumn: 'fine' }))).toBe(`${file}: no column "picture" (--image-column); its columns are img, fine`);
  });

  it('without class names in the file or a card, the error asks for --classes, which then names them', async () => {
    const root = join(dir.path, 'nameless');
    await writeAsParquet(root, samples.filter((x) => x.split === 'test'), CLASSES, { names: 'none' });
    const file = join(root, 'plain_text', 'test-00000-of-00001.parquet');
    expect(await failure(openDataset(root))).toBe(`${file}: no class names for "label" in the file's metadata, a README.md card or a dataset_infos.json beside it or above it; give them with --classes (one per line, in label order)`);
    await writeFile(join(dir.path, 'fruit.txt'), 'apple\nbanana\ncherry\n');
    const ds = await openDataset(root, { classesFile: join(dir.path, 'fruit.txt') });
    expect(ds.classes).toEqual(CLASSES);
  });

  it('a parquet file without an image column is one error line naming the file and --image-column, exit 2', async () => {
    const root = join(dir.path, 'no-image');
    await writeAsParquet(root, samples.filter((x) => x.split === 'test'), CLASSES, { image: false });
    const file = join(root, 'plain_text', 'test-00000-of-00001.parquet');
    expect(await failure(openDataset(`parquet:${file}`))).toBe(`${file}: no image column found (none is a struct of bytes and path; columns: label); name it with --image-column`);
    const r = await runMain(benchMain, ['--dataset', root, '--shots', '1', '--seeds', '1', '--no-cache', '--out', join(dir.path, 'out-no-image')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: ${file}: no image column found (none is a struct of bytes and path; columns: label); name it with --image-column`]);
  });
});
