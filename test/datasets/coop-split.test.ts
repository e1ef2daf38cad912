import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as benchMain } from '../../src/cli/bench.ts';
import { decodeImageBuffer } from '../../src/datasets/decode.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256 } from '../../src/util/hash.ts';
import { runMain } from '../cli/capture.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, type Sample } from './format-fixtures.ts';
import { writeTree } from './user-fixtures.ts';

const CLASSES = ['abyssinian', 'american_bulldog', 'basset_hound'];
let dir: { path: string; cleanup: () => Promise<void> };
let samples: Sample[];
const images = () => join(dir.path, 'oxford_pets', 'images');
const splitFile = () => join(dir.path, 'oxford_pets', 'split_zhou_OxfordPets.json');

/** CoOp's layout: <dataset>/images/<files>, <dataset>/split_zhou_<Name>.json with [impath, label, classname] rows. */
async function writeCoop(rows: Sample[], extra: Record<string, [string, number, string][]> = {}) {
  const files: Record<string, Buffer> = {};
  const split: Record<string, [string, number, string][]> = { train: [], val: [], test: [] };
  rows.forEach((x, i) => {
    const name = `${CLASSES[x.label]}_${i}.${x.format}`;
    files[name] = x.image;
    split[x.split].push([name, x.label, CLASSES[x.label]]);
  });
  await writeTree(images(), files);
  for (const [k, v] of Object.entries(extra)) split[k].push(...v);
  await writeFile(splitFile(), JSON.stringify(split));
}

beforeAll(async () => {
  dir = await tempDir('clip-bench-coop-');
  samples = await makeSamples({ classes: 3, perClass: { train: 2, val: 1, test: 2 } });
  await writeCoop(samples);
});
afterAll(() => dir.cleanup());

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('CoOp split files (coop:<image dir> --split-file split_zhou_<Name>.json)', () => {
  it('reads train, val and test in file order, class names with spaces, the split file found beside images/', async () => {
    const ds = await openDataset(`coop:${images()}`, { splitFile: 'split_zhou_OxfordPets.json' });
    expect(ds.classes).toEqual(['abyssinian', 'american bulldog', 'basset hound']);
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    expect([await ds.size('train'), await ds.size('val'), await ds.size('test')]).toEqual([6, 3, 6]);
    expect([...(await ds.labels('val'))]).toEqual([0, 1, 2]);
    const got: string[] = [];
    for await (const x of ds.read('test')) got.push(sha256(x.image.data));
    const want: string[] = [];
    for (const x of samples.filter((s) => s.split === 'test')) want.push(sha256((await decodeImageBuffer(x.image, 'sample')).data));
    expect(got).toEqual(want);
  });

  it("the probes and methods take their validation rows from the split file's val list (min(k, 4) per class), the k-shot rows from train", async () => {
    const root = join(dir.path, 'pets-val');
    const rows = await makeSamples({ classes: 3, perClass: { train: 4, val: 3, test: 2 }, seed: 5 });
    const files: Record<string, Buffer> = {};
    const split: Record<string, [string, number, string][]> = { train: [], val: [], test: [] };
    rows.forEach((x, i) => {
      files[`${i}.${x.format}`] = x.image;
      split[x.split].push([`${i}.${x.format}`, x.label, CLASSES[x.label]]);
    });
    await writeTree(join(root, 'images'), files);
    await writeFile(join(root, 'split.json'), JSON.stringify(split));
    const out = join(dir.path, 'out-val');
    const r = await runMain(benchMain, ['--dataset', `coop:${join(root, 'images')}`, '--split-file', join(root, 'split.json'), '--shots', '1,2', '--seeds', '1', '--methods', 'wise', '--no-cache', '--out', out, '--export-features', join(dir.path, 'feats-val')]);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(r.code).toBe(0);
    const ds = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).datasets[0];
    expect(ds.probePool).toBe('train+val');
    // Draws nest across k: 2 per class from train (not 2 + 2 carved from it) and 2 per class from val were encoded.
    expect([ds.splits.train.used, ds.splits.val.used, ds.splits.val.size]).toEqual([6, 6, 9]);
    expect(ds.probes.map((p: any) => p.perSeed.map((s: any) => [s.trainCount, s.valCount]))).toEqual([[[3, 3]], [[6, 6]]]);
    const wise = ds.methods.find((m: any) => m.method === 'wise');
    expect(wise.shots.map((x: any) => x.perSeed.map((s: any) => [s.trainCount, s.valCount]))).toEqual([[[3, 3]], [[6, 6]]]);
    // The exported draws say so too: validation rows are pool rows 12 + j, the val split's row j.
    const drawsFile = (await readdir(join(dir.path, 'feats-val'), { recursive: true })).find((f) => f.endsWith('draws.json'))!;
    const exported = JSON.parse(await readFile(join(dir.path, 'feats-val', drawsFile), 'utf8'));
    expect(exported.note).toMatch(/below 12 a train-split row, 12 \+ j the val split's row j/);
    expect(exported.draws.every((d: any) => d.train.every((i: number) => i < 12) && d.val.every((i: number) => i >= 12 && i < 21))).toBe(true);
  }, 120_000);

  it('a split file naming missing images is one error line naming the file, exit 2', async () => {
    const root = join(dir.path, 'broken');
    await writeTree(join(root, 'images'), { 'a.png': samples[0].image });
    await writeFile(join(root, 'split.json'), JSON.stringify({ train: [['a.png', 0, 'cat'], ['b.png', 1, 'dog']], test: [['c.png', 1, 'dog']] }));
    const r = await runMain(benchMain, ['--dataset', `coop:${join(root, 'images')}`, '--split-file', join(root, 'split.json'), '--shots', '1', '--seeds', '1', '--no-cache', '--out', join(dir.path, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: ${join(root, 'split.json')} names 2 image(s) missing under ${join(root, 'images')} (first: b.png); pass the folder the paths are relative to (CoOp's image_dir) as coop:<dir>, or download the missing images`,
    ]);
  });

  it('needs --split-file, and checks that a label keeps one class name', async () => {
    expect(await failure(openDataset(`coop:${images()}`))).toBe(`coop:${images()} needs --split-file split_zhou_<Name>.json (CoOp's train/val/test lists)`);
    await writeCoop(samples, { test: [[`${CLASSES[0]}_0.${samples[0].format}`, 0, 'sphynx']] });
    expect(await failure(openDataset(`coop:${images()}`, { splitFile: splitFile() }))).toBe(`${splitFile()} test[6]: label 0 is "sphynx", but earlier rows call it "abyssinian"`);
    await writeCoop(samples);
  });
});
