import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openUserDataset } from '../../src/datasets/user/index.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import sharp from 'sharp';
import { encodeImage, NOT_AN_IMAGE, truncatedPng, writeTree } from './user-fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('clip-bench-user-');
});
afterEach(() => dir.cleanup());

async function collect(ds: Awaited<ReturnType<typeof openUserDataset>>, split: 'train' | 'val' | 'test', indices?: number[]) {
  const out = [];
  for await (const ex of ds.read(split, indices)) out.push(ex);
  return out;
}

describe('image folder', () => {
  it('without split folders, every image is in the test split, classes sorted by folder name', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'zebra/b.png': px, 'zebra/a.PNG': px, 'golden_retriever/x.jpg': await encodeImage({ format: 'jpg' }), 'ant/1.webp': await encodeImage({ format: 'webp' }) });
    const ds = await openUserDataset(dir.path);
    expect(ds.classes).toEqual(['ant', 'golden retriever', 'zebra']);
    expect(ds.splits).toEqual(['test']);
    expect(await ds.size('test')).toBe(4);
    expect([...(await ds.labels('test'))]).toEqual([0, 1, 2, 2]);
    const read = await collect(ds, 'test');
    expect(read.map((r) => r.source!.slice(dir.path.length + 1))).toEqual(['ant/1.webp', 'golden_retriever/x.jpg', 'zebra/a.PNG', 'zebra/b.png']);
    expect(read.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(ds.templates).toEqual(['a photo of a {}.']);
    expect(ds.provenance.source).toBe(`folder:${dir.path}`);
  });

  it('ignores non-image and hidden files', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage(), 'cat/notes.txt': 'hi', 'cat/.DS_Store': 'x', '.git/HEAD': 'x', 'README.md': '#' });
    const ds = await openUserDataset(dir.path);
    expect(ds.classes).toEqual(['cat']);
    expect(await ds.size('test')).toBe(1);
  });

  it('train/val/test folders become splits sharing one class list', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'train/cat/1.png': px, 'train/cat/2.png': px, 'train/dog/1.png': px, 'val/dog/1.png': px, 'test/cat/9.png': px, 'test/dog/9.png': px });
    const ds = await openUserDataset(dir.path);
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect([...(await ds.labels('train'))]).toEqual([0, 0, 1]);
    expect([...(await ds.labels('val'))]).toEqual([1]);
    expect([...(await ds.labels('test'))]).toEqual([0, 1]);
  });

  it('reads only the requested indices, decoding to the file size', async () => {
    await writeTree(dir.path, { 'a/1.png': await encodeImage({ w: 3, h: 2 }), 'a/2.png': await encodeImage({ w: 5, h: 4 }), 'b/3.png': await encodeImage({ w: 7, h: 1 }) });
    const ds = await openUserDataset(dir.path);
    const got = await collect(ds, 'test', [0, 2]);
    expect(got.map((g) => [g.index, g.label, g.image.width, g.image.height])).toEqual([
      [0, 0, 3, 2],
      [2, 1, 7, 1],
    ]);
  });

  it('asking for a split the folder lacks names the splits it has', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage() });
    const ds = await openUserDataset(dir.path);
    expect(() => ds.identity('train')).toThrow(/has no train split \(it has: test\)/);
  });

  it('mixing split folders with class folders is an error', async () => {
    await writeTree(dir.path, { 'train/cat/1.png': await encodeImage(), 'dog/1.png': await encodeImage() });
    await expect(openUserDataset(dir.path)).rejects.toThrow(/mixes split folders \(train\) with class folders \(dog\)/);
  });

  it('an empty class folder is an error naming the folder', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage(), 'dog/readme.txt': 'no images' });
    const err = await openUserDataset(dir.path).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(join(dir.path, 'dog'));
    expect(err.message).toMatch(/has no images/);
  });

  it('a missing path is a UserError', async () => {
    await expect(openUserDataset(join(dir.path, 'nope'))).rejects.toThrow(/does not exist/);
  });
});

describe('nested folders inside class folders (ImageFolder rule)', () => {
  it('images in subfolders of a class folder belong to that class, at any depth', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'cat/indoor/2.png': px, 'cat/indoor/dark/3.png': px, 'dog/4.png': px });
    const ds = await openUserDataset(dir.path);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect([...(await ds.labels('test'))]).toEqual([0, 0, 0, 1]);
    expect((await collect(ds, 'test')).map((r) => r.source!.slice(dir.path.length + 1))).toEqual(['cat/1.png', 'cat/indoor/2.png', 'cat/indoor/dark/3.png', 'dog/4.png']);
  });

  it('applies inside split folders too', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'train/cat/a/1.png': px, 'train/dog/2.png': px, 'test/cat/3.png': px, 'test/dog/b/c/4.png': px });
    const ds = await openUserDataset(dir.path);
    expect(await ds.size('train')).toBe(2);
    expect([...(await ds.labels('test'))]).toEqual([0, 1]);
  });

  it('skips hidden subfolders', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'cat/.thumbnails/1.png': px, 'dog/2.png': px });
    const ds = await openUserDataset(dir.path);
    expect(await ds.size('test')).toBe(2);
  });

  it('does not follow a symlink back into the class folder or up to the dataset root', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'dog/2.png': px });
    await symlink('.', join(dir.path, 'cat/loop'));
    await symlink('..', join(dir.path, 'cat/root'));
    const ds = await openUserDataset(dir.path);
    expect((await collect(ds, 'test')).map((r) => r.source!.slice(dir.path.length + 1))).toEqual(['cat/1.png', 'dog/2.png']);
  });

  it('a root one level too high (one class folder, images only in its subfolders) is an error naming the right path', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'animals/cat/1.png': px, 'animals/dog/2.png': px });
    const err = await openUserDataset(dir.path).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      `${dir.path} has a single class folder, animals/, whose images are all in its subfolders (cat/, dog/); if those are the classes, pass ${join(dir.path, 'animals')} as the dataset path instead`,
    );
  });
});

describe('identity', () => {
  it('is stable across opens and changes when an image changes', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage({ value: 10 }), 'dog/1.png': await encodeImage({ value: 20 }) });
    const a = await openUserDataset(dir.path);
    const b = await openUserDataset(dir.path);
    expect(b.identity('test')).toBe(a.identity('test'));
    expect(b.provenance.checksum).toBe(a.provenance.checksum);
    await writeFile(join(dir.path, 'dog/1.png'), await encodeImage({ value: 21 }));
    const c = await openUserDataset(dir.path);
    expect(c.identity('test')).not.toBe(a.identity('test'));
    expect(c.provenance.checksum).not.toBe(a.provenance.checksum);
  });

  it('changes when a file moves to another class, not when a class is renamed', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'dog/2.png': await encodeImage({ value: 3 }) });
    const a = await openUserDataset(dir.path);
    await writeFile(join(dir.path, 'classes.txt'), 'cat\tkitty\ndog\tpuppy\n');
    const renamed = await openUserDataset(dir.path);
    expect(renamed.classes).toEqual(['kitty', 'puppy']);
    expect(renamed.identity('test')).toBe(a.identity('test'));
    await rm(join(dir.path, 'classes.txt'));
    await mkdir(join(dir.path, 'dog'), { recursive: true });
    await rm(join(dir.path, 'cat/1.png'));
    await writeFile(join(dir.path, 'dog/1.png'), px);
    await writeFile(join(dir.path, 'cat/3.png'), await encodeImage({ value: 7 }));
    const moved = await openUserDataset(dir.path);
    expect(moved.identity('test')).not.toBe(a.identity('test'));
  });

  it('of one split does not change when another split changes', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'train/cat/1.png': px, 'test/cat/1.png': px });
    const a = await openUserDataset(dir.path);
    await writeFile(join(dir.path, 'train/cat/2.png'), await encodeImage({ value: 1 }));
    const b = await openUserDataset(dir.path);
    expect(b.identity('test')).toBe(a.identity('test'));
    expect(b.identity('train')).not.toBe(a.identity('train'));
  });
});

describe('classes and templates files', () => {
  it('classes.txt fixes the order and matches folder names with _ for spaces', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'golden_retriever/1.png': px, 'classes.txt': '# order used by the paper\ngolden retriever\ncat\n' });
    const ds = await openUserDataset(dir.path);
    expect(ds.classes).toEqual(['golden retriever', 'cat']);
    expect([...(await ds.labels('test'))]).toEqual([1, 0]);
  });

  it('a folder missing from the classes file is an error naming the folder', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage(), 'dog/1.png': await encodeImage(), 'classes.txt': 'cat\n' });
    await expect(openUserDataset(dir.path)).rejects.toThrow(/folder .*dog: "dog" is not in .*classes\.txt/);
  });

  it('a class in the classes file with no folder is an error naming its line', async () => {
    const classes = join(dir.path, 'my-classes.txt');
    await writeTree(dir.path, { 'data/cat/1.png': await encodeImage(), 'my-classes.txt': 'cat\nbird\n' });
    await expect(openUserDataset(join(dir.path, 'data'), { classesFile: classes })).rejects.toThrow(/my-classes\.txt line 2: class "bird" has no images/);
  });

  it('templates.json at the root replaces the default templates', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage(), 'templates.json': JSON.stringify(['a photo of a {}.', 'a sketch of a {}.']) });
    const ds = await openUserDataset(dir.path);
    expect(ds.templates).toEqual(['a photo of a {}.', 'a sketch of a {}.']);
  });

  it('a template without {} is an error naming the file and the template', async () => {
    const t = join(dir.path, 't.json');
    await writeTree(dir.path, { 'data/cat/1.png': await encodeImage(), 't.json': JSON.stringify(['a photo of a {}.', 'a photo']) });
    await expect(openUserDataset(join(dir.path, 'data'), { templatesFile: t })).rejects.toThrow(/t\.json: template "a photo" has no \{\}/);
  });
});

describe('unreadable images', () => {
  it('stop the open with an error naming the file and --skip-bad', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage(), 'cat/2.png': NOT_AN_IMAGE });
    const err = await openUserDataset(dir.path).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(join(dir.path, 'cat/2.png'));
    expect(err.message).toContain('--skip-bad');
  });

  it('with skipBad are dropped and listed, and indices cover only good files', async () => {
    const px = await encodeImage();
    await writeTree(dir.path, { 'cat/1.png': px, 'cat/2.jpg': NOT_AN_IMAGE, 'dog/3.png': px });
    const ds = await openUserDataset(dir.path, { skipBad: true });
    expect(ds.skipped.map((s) => s.path)).toEqual([join(dir.path, 'cat/2.jpg')]);
    expect(ds.skipped[0].reason).toMatch(/unsupported image format/);
    expect([...(await ds.labels('test'))]).toEqual([0, 1]);
    expect((await collect(ds, 'test')).map((r) => r.source)).toEqual([join(dir.path, 'cat/1.png'), join(dir.path, 'dog/3.png')]);
  });

  it('a file that fails to decode at read throws an error naming the file', async () => {
    await writeTree(dir.path, { 'cat/1.png': await encodeImage() });
    const ds = await openUserDataset(dir.path);
    await writeFile(join(dir.path, 'cat/1.png'), NOT_AN_IMAGE); // damaged after the open
    const err = await collect(ds, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(join(dir.path, 'cat/1.png'));
    expect(err.message).toContain('--skip-bad');
  });

  it('a PNG with a readable header but truncated pixel data is skipped with skipBad, with the reason', async () => {
    const cut = await truncatedPng();
    expect((await sharp(cut).metadata()).width).toBe(32); // the header alone looks fine
    await writeTree(dir.path, { 'cat/1.png': cut, 'cat/2.png': await encodeImage() });
    const ds = await openUserDataset(dir.path, { skipBad: true });
    expect(ds.skipped).toEqual([{ path: join(dir.path, 'cat/1.png'), reason: expect.stringMatching(/^header readable but pixel data damaged or truncated( \(.+\))?$/) }]);
    expect(await ds.size('test')).toBe(1);
    expect((await collect(ds, 'test')).map((r) => r.source)).toEqual([join(dir.path, 'cat/2.png')]);
  });

  it('a large truncated PNG (checked through a thumbnail) is skipped with skipBad too', async () => {
    await writeTree(dir.path, { 'cat/big.png': await truncatedPng(1100, 1000), 'cat/ok.png': await encodeImage() });
    const ds = await openUserDataset(dir.path, { skipBad: true });
    expect(ds.skipped.map((s) => s.path)).toEqual([join(dir.path, 'cat/big.png')]);
    expect(ds.skipped[0].reason).toMatch(/^header readable but pixel data damaged or truncated/);
  });

  it('a PNG with truncated pixel data, without skipBad, fails at read naming the file and --skip-bad', async () => {
    await writeTree(dir.path, { 'cat/1.png': await truncatedPng(), 'cat/2.png': await encodeImage() });
    const ds = await openUserDataset(dir.path);
    const err = await collect(ds, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    // The decoder's own words in the parentheses vary, or are missing (libvips keeps one error buffer for all threads).
    expect(err.message).toMatch(
      new RegExp(
        `^cannot decode image ${join(dir.path, 'cat/1.png')}: header readable but pixel data damaged or truncated( \\(.+\\))?; ` +
          'fix or remove it, or pass --skip-bad to skip unreadable images$',
      ),
    );
  });

  it('a truncated JPEG is caught at open', async () => {
    const jpg = await encodeImage({ w: 64, h: 64, format: 'jpg' });
    await writeTree(dir.path, { 'cat/1.jpg': jpg.subarray(0, Math.floor(jpg.length / 2)), 'cat/2.jpg': jpg });
    const ds = await openUserDataset(dir.path, { skipBad: true });
    expect(ds.skipped.map((s) => s.path)).toEqual([join(dir.path, 'cat/1.jpg')]);
  });
});
