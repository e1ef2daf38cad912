import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main } from '../../src/cli/bench.ts';
import { validateResults } from '../../src/results/validate.ts';
import { decodeNpy } from '../../src/util/npy.ts';
import { resolveDataDir } from '../../src/util/paths.ts';
import type { BenchResults } from '../../src/results/schema.ts';

// A slice of the real CIFAR-10 (fetched by .ci/run) through a tiny CLIP-format export.
const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

describe.skipIf(!haveCifar)('npm run bench end to end (tiny export, real CIFAR-10 slice)', () => {
  let tmp: string;
  let results: BenchResults;
  let stdout = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-e2e-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
    const errWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      const code = await main(['--model', join(tmp, 'model'), '--dataset', 'cifar10', '--shots', '1,2', '--seeds', '2', '--limit', '300', '--bootstrap', '200', '--out', join(tmp, 'out'), '--cache-dir', join(tmp, 'cache'), '--export-features', join(tmp, 'feats')]);
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
    }
    results = JSON.parse(readFileSync(join(tmp, 'out', 'results.json'), 'utf8'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes a results.json that validates against the schema', () => {
    expect(validateResults(results)).toEqual([]);
    expect(results.datasets[0].splits.test!.used).toBe(300);
    expect(results.model.files.map((f) => f.sha256)).toHaveLength(2);
  });

  it('records zero-shot and one probe per shot count with one entry per seed', () => {
    const ds = results.datasets[0];
    expect(ds.zeroShot.available).toBe(true);
    expect(ds.zeroShot.templates).toHaveLength(18);
    expect(ds.probes.map((p) => p.shots)).toEqual([1, 2]);
    for (const p of ds.probes) {
      expect(p.perSeed.map((s) => s.seed)).toEqual([0, 1]);
      expect(p.perSeed[0].trainCount).toBe(10 * (p.shots as number));
      expect(p.top1.ci[0]).toBeLessThanOrEqual(p.top1.mean);
      expect(p.top1.ci[1]).toBeGreaterThanOrEqual(p.top1.mean);
    }
  });

  it('prints a table and writes results.md', () => {
    expect(stdout).toMatch(/zero-shot\s+18 templates/);
    expect(stdout).toMatch(/linear probe\s+2-shot × 2 seeds/);
    expect(readFileSync(join(tmp, 'out', 'results.md'), 'utf8')).toMatch(/## cifar10/);
  });

  it('exports the features and labels it used as .npy', () => {
    const test = decodeNpy(readFileSync(join(tmp, 'feats', 'cifar10', 'test_features.npy')), 'test_features.npy');
    expect(test.shape).toEqual([300, 16]);
    const train = decodeNpy(readFileSync(join(tmp, 'feats', 'cifar10', 'train_labels.npy')), 'train_labels.npy');
    expect(train.shape[0]).toBeGreaterThanOrEqual(2 * 10 * 2);
  });

  it('a second run is served from the feature cache with identical numbers', async () => {
    const silence = process.stdout.write;
    const errWrite = process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await main(['--model', join(tmp, 'model'), '--dataset', 'cifar10', '--shots', '1,2', '--seeds', '2', '--limit', '300', '--bootstrap', '200', '--out', join(tmp, 'out2'), '--cache-dir', join(tmp, 'cache')]);
    } finally {
      process.stdout.write = silence;
      process.stderr.write = errWrite;
    }
    const again: BenchResults = JSON.parse(readFileSync(join(tmp, 'out2', 'results.json'), 'utf8'));
    expect(again.datasets[0].featureCache.test.computedRows).toBe(0);
    expect(again.datasets[0].probes.map((p) => p.top1)).toEqual(results.datasets[0].probes.map((p) => p.top1));
    expect(again.datasets[0].zeroShot.top1).toEqual(results.datasets[0].zeroShot.top1);
    expect(readdirSync(join(tmp, 'cache')).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!haveCifar)('bench honesty flags', () => {
  async function run(dir: string, args: string[]): Promise<BenchResults> {
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await main([...args, '--out', join(dir, 'out'), '--no-cache', '--bootstrap', '100']);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    return JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  }

  it('flags zero-shot on a dataset the model declares it was trained on as in-domain, and demo models as demos', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-indomain-'));
    try {
      await writeTinyExport(join(dir, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 8, manifest: { trainedOn: ['cifar10'], demo: true } });
      const r = await run(dir, ['--model', join(dir, 'model'), '--dataset', 'cifar10', '--shots', '1', '--seeds', '1', '--limit', '100']);
      expect(r.model.demo).toBe(true);
      expect(r.datasets[0].zeroShot.inDomain).toBe(true);
      expect(r.warnings.join('\n')).toMatch(/trained on this dataset's labels/);
      const md = readFileSync(join(dir, 'out', 'results.md'), 'utf8');
      expect(md).toMatch(/Demo model, not CLIP/);
      expect(md).toMatch(/zero-shot \(in-domain!\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports zero-shot as unavailable for an image-only backbone and still runs the probes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-imgonly-'));
    try {
      await writeTinyExport(join(dir, 'model'), { layout: 'image-only', imageSize: 32, dim: 8 });
      const r = await run(dir, ['--model', join(dir, 'model'), '--dataset', 'cifar10', '--shots', '1', '--seeds', '1', '--limit', '100']);
      expect(r.datasets[0].zeroShot.available).toBe(false);
      expect(r.datasets[0].zeroShot.reason).toMatch(/no text tower/);
      expect(r.datasets[0].probes).toHaveLength(1);
      expect(r.datasets[0].breakEvenShots).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
