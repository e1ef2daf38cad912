import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openUserDataset } from '../../src/datasets/user/index.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('clip-bench-csv-');
  const px = await encodeImage();
  await writeTree(dir.path, { 'img/a.png': px, 'img/b.png': await encodeImage({ value: 5 }), 'img/c.jpg': await encodeImage({ format: 'jpg' }), 'img/d.png': px });
});
afterEach(() => dir.cleanup());

async function openCsv(text: string, opts: Parameters<typeof openUserDataset>[1] = {}) {
  const csv = join(dir.path, 'manifest.csv');
  await writeTree(dir.path, { 'manifest.csv': text });
  return openUserDataset(csv, opts);
}

async function failure(text: string): Promise<UserError> {
  const err = await openCsv(text).catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('CSV manifest', () => {
  it('reads path,label,split rows in manifest order, paths relative to the CSV', async () => {
    const ds = await openCsv('path,label,split\nimg/b.png,dog,train\nimg/a.png,cat,train\nimg/c.jpg,cat,test\nimg/d.png,sea_lion,\n');
    expect(ds.classes).toEqual(['cat', 'dog', 'sea lion']);
    expect(ds.splits).toEqual(['train', 'test']);
    expect([...(await ds.labels('train'))]).toEqual([1, 0]);
    expect([...(await ds.labels('test'))]).toEqual([0, 2]);
    const sources = [];
    for await (const ex of ds.read('train')) sources.push(ex.source);
    expect(sources).toEqual([join(dir.path, 'img/b.png'), join(dir.path, 'img/a.png')]);
    expect(ds.provenance.source).toBe(`csv:${join(dir.path, 'manifest.csv')}`);
  });

  it('without a split column everything is the test split; extra columns are ignored', async () => {
    const ds = await openCsv('label,notes,path\ncat,"fluffy, grey",img/a.png\ndog,,img/b.png\n');
    expect(ds.splits).toEqual(['test']);
    expect(await ds.size('test')).toBe(2);
  });

  it('a classes file fixes the order of labels', async () => {
    const classes = join(dir.path, 'classes.txt');
    await writeTree(dir.path, { 'classes.txt': 'dog\ncat\n' });
    const ds = await openCsv('path,label\nimg/a.png,cat\nimg/b.png,dog\n', { classesFile: classes });
    expect(ds.classes).toEqual(['dog', 'cat']);
    expect([...(await ds.labels('test'))]).toEqual([1, 0]);
  });

  it('a missing column is an error naming the CSV and the column', async () => {
    const err = await failure('file,label\nimg/a.png,cat\n');
    expect(err.message).toContain(join(dir.path, 'manifest.csv'));
    expect(err.message).toMatch(/no "path" column/);
  });

  it('an unknown path is an error naming the CSV, the line and the value', async () => {
    const err = await failure('path,label\nimg/a.png,cat\nimg/missing.png,dog\n');
    expect(err.message).toContain(`${join(dir.path, 'manifest.csv')} line 3`);
    expect(err.message).toContain('"img/missing.png" does not exist');
  });

  it('an empty label is an error naming the line', async () => {
    const err = await failure('path,label\nimg/a.png,\n');
    expect(err.message).toMatch(/manifest\.csv line 2: empty label for "img\/a\.png"/);
  });

  it('a bad split value is an error naming the line, the value and the allowed values', async () => {
    const err = await failure('path,label,split\nimg/a.png,cat,test\nimg/b.png,dog,validation\n');
    expect(err.message).toMatch(/manifest\.csv line 3: split "validation" is not one of train, val, test/);
  });

  it('the same image listed twice is an error', async () => {
    const err = await failure('path,label,split\nimg/a.png,cat,train\n./img/a.png,cat,test\n');
    expect(err.message).toMatch(/line 3: ".\/img\/a\.png" is listed again \(first at line 2\)/);
  });

  it('an unreadable image names the CSV line it came from', async () => {
    await writeTree(dir.path, { 'img/bad.png': 'garbage' });
    const err = await failure('path,label\nimg/a.png,cat\nimg/bad.png,dog\n');
    expect(err.message).toContain(join(dir.path, 'img/bad.png'));
    expect(err.message).toContain('manifest.csv line 3');
    expect(err.message).toContain('--skip-bad');
  });
});
