import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORMATS, pickFormat } from '../../src/datasets/formats/index.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { openUserDataset } from '../../src/datasets/user/index.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('clip-bench-formats-');
  await writeTree(dir.path, {
    'folder/cat/a.png': await encodeImage(),
    'folder/dog/b.png': await encodeImage({ value: 5 }),
    'list.csv': 'path,label\nfolder/cat/a.png,cat\nfolder/dog/b.png,dog\n',
    'list.txt': 'path,label\nfolder/cat/a.png,cat\nfolder/dog/b.png,dog\n',
  });
});
afterEach(() => dir.cleanup());

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('dataset formats registry', () => {
  it('lists the webdataset, parquet, the image folder, the CSV manifest, CoOp split files, ImageNet and its five natural shifts, each by its prefix name', () => {
    expect(FORMATS.map((f) => f.name)).toEqual(['wds', 'parquet', 'folder', 'csv', 'coop', 'imagenet', 'imagenetv2', 'imagenet-sketch', 'imagenet-r', 'imagenet-a', 'objectnet']);
  });

  it('probes a bare path by its layout: a folder is an image folder, a .csv file a manifest', async () => {
    expect((await pickFormat(join(dir.path, 'folder'))).format.name).toBe('folder');
    expect((await pickFormat(join(dir.path, 'list.csv'))).format.name).toBe('csv');
    expect(await failure(pickFormat(join(dir.path, 'list.txt')))).toBe(`${join(dir.path, 'list.txt')} is neither a folder nor a .parquet file nor a .csv manifest`);
    expect(await failure(pickFormat(join(dir.path, 'nope')))).toBe(`dataset path ${join(dir.path, 'nope')} does not exist; give a CLIP_benchmark webdataset (<split>/nshards.txt and .tar shards) or Hugging Face parquet files (a .parquet file or a folder of them) or a folder of class folders or a .csv manifest`);
  });

  it('folder:<dir> opens the same dataset as <dir>: same name, identity and labels', async () => {
    const bare = await openUserDataset(join(dir.path, 'folder'));
    const named = await openDataset(`folder:${join(dir.path, 'folder')}`);
    expect(named.name).toBe(bare.name);
    expect(named.identity('test')).toBe(bare.identity('test'));
    expect(named.classes).toEqual(['cat', 'dog']);
    expect([...(await named.labels('test'))]).toEqual([...(await bare.labels('test'))]);
  });

  it('csv:<file> reads a manifest whose name does not end in .csv, with the identity of the same manifest named .csv', async () => {
    const txt = await openDataset(`csv:${join(dir.path, 'list.txt')}`);
    const csv = await openDataset(join(dir.path, 'list.csv'));
    expect(txt.classes).toEqual(['cat', 'dog']);
    expect([...(await txt.labels('test'))]).toEqual([0, 1]);
    expect(txt.provenance.source).toBe(`csv:${join(dir.path, 'list.txt')}`);
    // Same rows, same files: only the manifest's path differs, and that is not part of the identity.
    expect(txt.identity('test')).toBe(csv.identity('test'));
  });

  it('a prefix that names a format checks the path against it; an unknown prefix is named with the formats there are', async () => {
    expect(await failure(openDataset(`folder:${join(dir.path, 'list.csv')}`))).toBe(`folder:${join(dir.path, 'list.csv')}: ${join(dir.path, 'list.csv')} is not a folder; the folder: format reads a folder of class folders`);
    expect(await failure(openDataset(`csv:${join(dir.path, 'folder')}`))).toMatch(/is not a file; the csv: format reads a \.csv manifest$/);
    expect(await failure(openDataset(`csv:${join(dir.path, 'missing.csv')}`))).toMatch(/does not exist; give a \.csv manifest$/);
    expect(await failure(openDataset('zip:data'))).toBe('zip:data: no such path, and no dataset format named "zip:" (formats: wds:, parquet:, folder:, csv:, coop:, imagenet:, imagenetv2:, imagenet-sketch:, imagenet-r:, imagenet-a:, objectnet:)');
  });
});
