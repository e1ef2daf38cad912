import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCifar10CFolder } from '../../src/datasets/cifar10c-folder.ts';
import { BUILTIN_DATASETS } from '../../src/datasets/registry.ts';
import type { Dataset, LabeledImage } from '../../src/datasets/types.ts';
import { encodeNpy } from '../../src/util/npy.ts';
import { tempDir } from './fixtures.ts';

/** A synthetic stand-in for the release: 5 images per severity (25 rows); row r is filled with r·7 + 3. */
const ROWS = 25;
const PER = 32 * 32 * 3;
const pixelOf = (row: number) => (row * 7 + 3) % 256;
const labelOf = (row: number) => ((row % 5) * 2 + 1) % 10; // the same 5 labels in every severity block
function imagesNpy(rows = ROWS, shape = [rows, 32, 32, 3]): Buffer {
  const data = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  const per = data.length / rows;
  for (let r = 0; r < rows; r++) data.fill(pixelOf(r), r * per, (r + 1) * per);
  return encodeNpy(data, shape);
}
const labelsNpy = (n = ROWS, at = labelOf) => encodeNpy(Uint8Array.from({ length: n }, (_, i) => at(i)), [n]);

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;
/** A fresh folder holding `files` (name → bytes). */
function folder(files: Record<string, Buffer>): string {
  const dir = join(tmp.path, `f${n++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}
let good: string;
beforeAll(async () => {
  tmp = await tempDir('clip-bench-c10c-');
  good = folder({ 'fog.npy': imagesNpy(), 'labels.npy': labelsNpy() });
});
afterAll(() => tmp.cleanup());

async function readAll(ds: Dataset, indices?: number[]): Promise<LabeledImage[]> {
  const out = [];
  for await (const ex of ds.read('test', indices)) out.push(ex);
  return out;
}

describe('openCifar10CFolder', () => {
  it('severity s is the s-th block of rows, as a test split with the CIFAR-10 classes and templates', async () => {
    const ds = await openCifar10CFolder(good, 'fog', 3);
    expect(ds.splits).toEqual(['test']);
    expect(ds.classes).toEqual(BUILTIN_DATASETS.cifar10.classes);
    expect(ds.templates).toEqual(BUILTIN_DATASETS.cifar10.templates);
    expect(await ds.size('test')).toBe(5);
    expect([...(await ds.labels('test'))]).toEqual([10, 11, 12, 13, 14].map(labelOf));
    const all = await readAll(ds);
    expect(all.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    expect(all.map((e) => [e.image.width, e.image.height, e.image.channels])).toEqual(Array(5).fill([32, 32, 3]));
    expect(all.map((e) => e.image.data[0])).toEqual([10, 11, 12, 13, 14].map(pixelOf));
    expect(all.every((e) => e.image.data.length === PER && e.image.data.every((v) => v === e.image.data[0]))).toBe(true);
  });

  it('reads only the requested indices', async () => {
    const ds = await openCifar10CFolder(good, 'fog', 5);
    const some = await readAll(ds, [1, 4]);
    expect(some.map((e) => [e.index, e.label, e.image.data[0]])).toEqual([[1, labelOf(21), pixelOf(21)], [4, labelOf(24), pixelOf(24)]]);
  });

  it('identity follows the file bytes, the corruption and the severity', async () => {
    const id = (await openCifar10CFolder(good, 'fog', 2)).identity('test');
    expect((await openCifar10CFolder(good, 'fog', 2)).identity('test')).toBe(id);
    expect((await openCifar10CFolder(good, 'fog', 3)).identity('test')).not.toBe(id);
    const renamed = folder({ 'snow.npy': imagesNpy(), 'labels.npy': labelsNpy() });
    expect((await openCifar10CFolder(renamed, 'snow', 2)).identity('test')).not.toBe(id);
    const edited = imagesNpy();
    edited[edited.length - 1] ^= 1;
    expect((await openCifar10CFolder(folder({ 'fog.npy': edited, 'labels.npy': labelsNpy() }), 'fog', 2)).identity('test')).not.toBe(id);
  });

  it('has only a test split', async () => {
    const ds = await openCifar10CFolder(good, 'fog', 1);
    await expect(ds.labels('train')).rejects.toThrow('CIFAR-10-C fog:1 has no train split (it has: test)');
  });
});

describe('openCifar10CFolder: bad folders are one UserError naming the file', () => {
  const withImages = (images: Buffer) => folder({ 'fog.npy': images, 'labels.npy': labelsNpy() });
  it.each([
    ['the corruption file is missing', () => folder({ 'labels.npy': labelsNpy() }), /fog\.npy: missing; a CIFAR-10-C folder holds <corruption>\.npy/],
    ['labels.npy is missing', () => folder({ 'fog.npy': imagesNpy() }), /labels\.npy: missing;/],
    ['images are not N×32×32×3', () => withImages(imagesNpy(ROWS, [ROWS, 28, 28, 3])), /fog\.npy: shape \(25, 28, 28, 3\), expected \(N, 32, 32, 3\)/],
    ['images are grey', () => withImages(imagesNpy(ROWS, [ROWS, 32, 32])), /fog\.npy: shape \(25, 32, 32\), expected \(N, 32, 32, 3\)/],
    ['images are not uint8', () => withImages(encodeNpy(new Float32Array(ROWS * PER), [ROWS, 32, 32, 3])), /fog\.npy: dtype <f4, expected uint8/],
    ['rows are not five equal severities', () => folder({ 'fog.npy': imagesNpy(24), 'labels.npy': labelsNpy(24) }), /fog\.npy: 24 rows, expected a positive multiple of 5/],
    ['the image file is truncated', () => withImages(imagesNpy().subarray(0, 128 + 10 * PER)), /fog\.npy: \d+ bytes, expected \d+ for shape \(25, 32, 32, 3\) \(truncated or extended\?\)/],
    ['labels do not match the rows', () => folder({ 'fog.npy': imagesNpy(), 'labels.npy': labelsNpy(20) }), /labels\.npy: shape \(20\), expected \(25,\) to match fog\.npy/],
    ['a label is not a class index', () => folder({ 'fog.npy': imagesNpy(), 'labels.npy': labelsNpy(ROWS, (i) => (i === 12 ? 10 : 0)) }), /labels\.npy: label 10 at row 12 is not a CIFAR-10 class index 0–9/],
    ['labels are floats', () => folder({ 'fog.npy': imagesNpy(), 'labels.npy': encodeNpy(new Float32Array(ROWS), [ROWS]) }), /labels\.npy: dtype <f4, expected integer labels/],
    ['labels.npy is not an .npy file', () => folder({ 'fog.npy': imagesNpy(), 'labels.npy': Buffer.from('0,1,2\n') }), /labels\.npy: not a readable \.npy file \(missing/],
  ])('%s', async (_, make, message) => {
    const err = await openCifar10CFolder(make(), 'fog', 3).catch((e) => e);
    expect(err.name).toBe('UserError');
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it.each([
    ['an unknown corruption', 'fogg', 3, /^unknown CIFAR-10-C corruption 'fogg'; the release has: gaussian_noise, /],
    ['severity 0', 'fog', 0, /^fog: severity 0 must be an integer from 1 to 5$/],
    ['severity 6', 'fog', 6, /^fog: severity 6 must be an integer from 1 to 5$/],
  ])('%s', async (_, corruption, severity, message) => {
    await expect(openCifar10CFolder(good, corruption as string, severity as number)).rejects.toThrow(message as RegExp);
  });

  it('a path that is not a folder', async () => {
    await expect(openCifar10CFolder(join(good, 'fog.npy'), 'fog', 1)).rejects.toThrow(/fog\.npy: not a folder; give the folder that holds fog\.npy and labels\.npy/);
  });

  it('identity and pixels do not depend on where the folder is', async () => {
    const copy = folder({});
    for (const f of ['fog.npy', 'labels.npy']) copyFileSync(join(good, f), join(copy, f));
    const [a, b] = [await openCifar10CFolder(good, 'fog', 4), await openCifar10CFolder(copy, 'fog', 4)];
    expect(a.identity('test')).toBe(b.identity('test'));
    expect((await readAll(a)).map((e) => e.image.data[0])).toEqual((await readAll(b)).map((e) => e.image.data[0]));
  });
});
