import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { openModel } from '../../src/model/resolve.ts';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { prepareDatasets, runBench, type BenchOptions } from '../../src/pipeline/bench.ts';
import { testBenchOptions } from '../helpers/bench-options.ts';
import { validateResults } from '../../src/results/validate.ts';
import { UserError } from '../../src/util/errors.ts';
import { encodeNpy } from '../../src/util/npy.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';

/** An image folder root/<split>/<class>/<i>.png of solid-ish 8×8 colours, one hue per class. */
async function folder(root: string, splits: Record<string, Record<string, number>>, hue: Record<string, [number, number, number]>) {
  for (const [split, classes] of Object.entries(splits))
    for (const [cls, n] of Object.entries(classes)) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(8 * 8 * 3);
        for (let p = 0; p < px.length; p++) px[p] = Math.max(0, Math.min(255, hue[cls][p % 3] + ((p * 7 + i * 13) % 41) - 20));
        await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(root, split, cls, `${i}.png`));
      }
    }
}

describe('natural shifts: the source dataset\'s probes and head tested on another dataset through a class map', () => {
  let tmp: string;
  let model: ClipModel;
  const opts = (over: Partial<BenchOptions>) => testBenchOptions({ datasets: [join(tmp, 'photos')], ...over });
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-natural-'));
    const hue = { red: [200, 40, 40], green: [40, 200, 40], blue: [40, 40, 200], rouge: [190, 50, 50], vert: [50, 190, 50], violet: [120, 40, 160] } as Record<string, [number, number, number]>;
    await folder(join(tmp, 'photos'), { train: { red: 8, green: 8, blue: 8 }, test: { red: 4, green: 4, blue: 4 } }, hue);
    await folder(join(tmp, 'sketches'), { test: { rouge: 5, vert: 3, violet: 4 } }, hue);
    writeFileSync(join(tmp, 'map.json'), JSON.stringify({ target: join(tmp, 'sketches'), classes: { red: ['rouge'], green: ['vert'] } }));
    writeFileSync(join(tmp, 'bad-map.json'), JSON.stringify({ target: join(tmp, 'sketches'), classes: { red: ['rose'] } }));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(join(tmp, 'model'), { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a user mapping file scores only the mapped target images, with the full and the restricted classifier', async () => {
    const r = await runBench(opts({ shift: `map:${join(tmp, 'map.json')}` }), model);
    expect(validateResults(r)).toEqual([]);
    expect(r.datasets.map((d) => d.shift)).toEqual(['none', `map:${join(tmp, 'map.json')}`, `map:${join(tmp, 'map.json')} (2 classes)`]);
    const [clean, full, restricted] = r.datasets;
    expect(full.splits.test!.used).toBe(8); // 5 rouge + 3 vert; violet is unmapped
    expect(full.shiftInfo).toMatchObject({ kind: 'natural', classesPresent: ['green', 'red'], restricted: false });
    expect(restricted.shiftInfo).toMatchObject({ restricted: true });
    // The restricted classifier never answers "blue", the class the shifted set lacks.
    for (const rec of [restricted.zeroShot.metrics!, ...restricted.probes[0].perSeed.map((s) => s.metrics)]) {
      const K = 3;
      const blue = clean.classes.indexOf('blue');
      for (let t = 0; t < K; t++) expect(rec.confusion[t * K + blue]).toBe(0);
    }
    expect(full.probes[0].perSeed.map((s) => s.C)).toEqual(clean.probes[0].perSeed.map((s) => s.C));
    expect(r.robustness!.map((x) => x.shifts)).toEqual([[`map:${join(tmp, 'map.json')} (2 classes)`]]);
    expect(r.warnings.join('\n')).toMatch(/has no test images of blue; reported both/);
  });

  it('bad shifts fail while preparing, before any image is encoded', async () => {
    const fails = (shift: string) => prepareDatasets(opts({ shift })).then(() => null, (e) => e);
    const unknownClass = await fails(`map:${join(tmp, 'bad-map.json')}`);
    expect(unknownClass).toBeInstanceOf(UserError);
    expect(unknownClass.message).toMatch(/"rose" is not a class of/);
    expect((await fails('quickdraw')).message).toMatch(/no built-in natural shift from .*photos; built-in: cifar10→quickdraw/);
    expect((await fails('gaussian_noise:6')).message).toMatch(/severity '6' of gaussian_noise must be an integer from 1 to 5/);
    expect((await fails('fogg')).message).toMatch(/unknown corruption 'fogg'/);
    expect((await fails(`map:${join(tmp, 'nope.json')}`)).message).toMatch(/no such file/);
  });
});

describe('--shift released:<dir>: the released CIFAR-10-C files as shifted copies of the cifar10 test set', () => {
  let tmp: string;
  let model: ClipModel;
  const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const N = 10; // test images; the folder holds 5 × N rows, severity-major
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-released-'));
    mkdirSync(join(tmp, 'c10c'));
    const images = Uint8Array.from({ length: 5 * N * 32 * 32 * 3 }, (_, i) => (i * 7 + Math.floor(i / 3072) * 31) % 256);
    writeFileSync(join(tmp, 'c10c', 'fog.npy'), encodeNpy(images, [5 * N, 32, 32, 3]));
    writeFileSync(join(tmp, 'c10c', 'labels.npy'), encodeNpy(Uint8Array.from({ length: 5 * N }, (_, i) => i % 10), [5 * N]));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(join(tmp, 'model'), { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('scores every severity of every corruption file, paired with the clean rows, labelled as the released files', async () => {
    const cifar = { ...memoryDataset({ train: 40, test: N, classes: CLASSES, size: 32 }), name: 'cifar10' };
    const r = await runBench(testBenchOptions({ datasets: [cifar], shots: [1], shift: `released:${join(tmp, 'c10c')}` }), model);
    expect(validateResults(r)).toEqual([]);
    expect(r.datasets.map((d) => d.shift)).toEqual(['none', ...[1, 2, 3, 4, 5].map((s) => `fog:${s} (released)`)]);
    expect(r.datasets[1].shiftInfo).toMatchObject({ kind: 'corruption', fidelity: 'released', seed: null });
    expect(r.robustness![0].suite).toMatch(/released files/);
  });

  it('refuses the released files for another dataset, before encoding', async () => {
    const err = await prepareDatasets(testBenchOptions({ datasets: [memoryDataset({ test: 4 })], shift: `released:${join(tmp, 'c10c')}` })).catch((e) => e);
    expect(err.message).toMatch(/shifted copies of cifar10's test set, not of memory/);
  });
});
