/**
 * The same images as an image folder, as a CLIP_benchmark webdataset and as Hugging Face parquet give identical zero-shot and
 * probe results with the demo model: same metrics, same chosen C per seed, same per-example outcomes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/bench.ts';
import { runMain } from '../cli/capture.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, writeAsFolder, writeAsParquet, writeAsWebdataset } from './format-fixtures.ts';

const CLASSES = ['apple', 'banana', 'cherry'];
const TEMPLATES = ['a photo of a {}.', 'a blurry photo of a {}.'];
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('clip-bench-equiv-');
  const samples = await makeSamples({ classes: 3, perClass: { train: 4, test: 3 }, seed: 11 });
  await writeAsFolder(join(dir.path, 'folder'), samples, CLASSES);
  await writeFile(join(dir.path, 'folder', 'templates.json'), JSON.stringify(TEMPLATES));
  await writeAsWebdataset(join(dir.path, 'wds'), samples, CLASSES, { shards: 2, templates: TEMPLATES.map((t) => t.replace('{}', '{c}')) });
  await writeAsParquet(join(dir.path, 'parquet'), samples, CLASSES, { rowGroupSize: 5 });
  await writeFile(join(dir.path, 'templates.json'), JSON.stringify(TEMPLATES));
});
afterAll(() => dir.cleanup());

/**
 * What a dataset's results say about the model: without timings, provenance, identities (which name
 * the layout) and bootstrap intervals (their seed is keyed by the dataset's name, its path).
 */
async function bench(dataset: string, name: string, extra: string[] = []) {
  const out = join(dir.path, `out-${name}`);
  const r = await runMain(main, ['--dataset', dataset, ...extra, '--shots', '1,2', '--seeds', '2', '--bootstrap', '50', '--no-cache', '--out', out]);
  expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
  expect(r.code).toBe(0);
  const ds = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).datasets[0];
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !['seconds', 'identity', 'ci'].includes(k)).map(([k, x]) => [k, strip(x)])) : v;
  return strip({ classes: ds.classes, splits: ds.splits, zeroShot: ds.zeroShot, probes: ds.probes, outcomes: ds.outcomes, breakEven: ds.breakEvenShots }) as Record<string, any>;
}

describe('one image set in several layouts', () => {
  it('gives identical zero-shot and probe results as a folder, as a webdataset and as parquet', async () => {
    const folder = await bench(join(dir.path, 'folder'), 'folder');
    const wds = await bench(`wds:${join(dir.path, 'wds')}`, 'wds');
    const parquet = await bench(`parquet:${join(dir.path, 'parquet')}`, 'parquet', ['--templates', join(dir.path, 'templates.json')]);
    expect(folder.zeroShot.metrics.n).toBe(9);
    expect(folder.probes).toHaveLength(2);
    expect(wds).toEqual(folder);
    expect(parquet).toEqual(folder);
  }, 180_000);
});
