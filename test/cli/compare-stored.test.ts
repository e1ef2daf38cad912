import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main as compareMain } from '../../src/cli/compare.ts';
import { main as benchMain } from '../../src/cli/bench.ts';
import { resolveDataDir } from '../../src/util/paths.ts';
import { unpackArray } from '../../src/results/packed.ts';
import { topKOverlap } from '../../src/evaluation/top-k.ts';
import { runMain } from './capture.ts';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

describe.skipIf(!haveCifar)('npm run compare with stored bench runs (results schema v2)', () => {
  let tmp: string;
  const cache = () => join(tmp, 'cache');
  const bench = async (model: string, out: string, ...extra: string[]) => {
    const r = await runMain(benchMain, ['--model', join(tmp, model), '--dataset', 'cifar10', '--limit', '200', '--shots', '2', '--seeds', '2', '--cache-dir', cache(), '--threads', '1', '--out', join(tmp, out), ...extra]);
    expect(r.code, r.err).toBe(0);
    return join(tmp, out);
  };
  const compare = (...args: string[]) => runMain(compareMain, ['--bootstrap', '200', '--min-agreement', '0.2', '--force', ...args]);
  const read = (d: string) => JSON.parse(readFileSync(join(tmp, d, 'compare.json'), 'utf8'));
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-compare-stored-'));
    await writeTinyExport(join(tmp, 'a'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    await writeTinyExport(join(tmp, 'b'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 4 });
    await bench('a', 'run-a', '--shift', 'quickdraw,contrast:4');
    await bench('b', 'run-b', '--shift', 'quickdraw,contrast:4');
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('two stored runs give the same statistics and verdict as the live comparison on the same rows', async () => {
    const flags = ['--dataset', 'cifar10', '--limit', '200', '--shots', '2', '--seeds', '2', '--shift', 'quickdraw,contrast:4', '--cache-dir', cache()];
    const live = await compare('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), ...flags, '--out', join(tmp, 'live'));
    const stored = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'run-b', 'results.json'), '--shift', 'quickdraw,contrast:4', '--cache-dir', cache(), '--out', join(tmp, 'stored'));
    expect(stored.code).toBe(live.code);
    expect(stored.out.trim().split('\n').at(-1)).toBe(live.out.trim().split('\n').at(-1));
    expect(read('stored').datasets.map((d: { dataset: string }) => d.dataset)).toEqual(['cifar10', 'cifar10 [quickdraw]', 'cifar10 [quickdraw (9 classes)]', 'cifar10 [contrast:4]']);
    expect(read('stored').datasets).toEqual(read('live').datasets);
    expect(read('stored').reference.run).toBe(join(tmp, 'run-a', 'results.json'));
  });

  it('a stored run against a live model pairs the same rows and draws (flags left out come from the run)', async () => {
    const live = await compare('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), '--dataset', 'cifar10', '--limit', '200', '--shots', '2', '--seeds', '2', '--cache-dir', cache(), '--out', join(tmp, 'live-clean'));
    const mixed = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'b'), '--cache-dir', cache(), '--out', join(tmp, 'mixed'));
    expect(mixed.code, mixed.err).toBe(live.code);
    expect(read('mixed').datasets).toEqual(read('live-clean').datasets);
  });

  it('zero-shot top-5 overlap is the mean shared fraction of the two runs\' stored top-5 lists', async () => {
    await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'run-b'), '--cache-dir', cache(), '--out', join(tmp, 'top5'));
    const top5 = (run: string) => unpackArray(JSON.parse(readFileSync(join(tmp, run, 'results.json'), 'utf8')).datasets[0].outcomes.zeroShotTop5, 'top5');
    const expected = topKOverlap(top5('run-a'), top5('run-b'), 5);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(1);
    expect(read('top5').datasets[0].zeroShot.top5Overlap).toBeCloseTo(expected, 12);
  });

  it('without the runs\' embeddings in the cache, embedding statistics are "not measured" and the cosine gate fails until waived', async () => {
    // A run against itself: every other gate passes, so the exit code is the cosine gate's alone.
    const empty = join(tmp, 'empty-cache');
    const r = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'run-a'), '--cache-dir', empty, '--out', join(tmp, 'nocache'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/embedding statistics: not measured \(--reference is a stored run whose image embeddings of cifar10 are not in the feature cache/);
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^verdict: FAIL — cifar10 image embeddings: min-cosine not measured \(.*; waive it with --min-cosine none\)$/);
    expect(read('nocache').datasets[0].embeddings).toBeNull();
    expect(read('nocache').datasets[0].zeroShot).toMatchObject({ agreement: 1, top5Overlap: 1 });
    const waived = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'run-a'), '--cache-dir', empty, '--min-cosine', 'none', '--out', join(tmp, 'waived'));
    expect(waived.code).toBe(0);
    expect(waived.out.trim().split('\n').at(-1)).toMatch(/^verdict: PASS/);
  });

  it('runs made with different protocols are refused, naming what differs (exit 2)', async () => {
    const other = await bench('a', 'run-a-3seeds', '--seeds', '3');
    const r = await compare('--reference', other, '--candidate', join(tmp, 'run-b'), '--cache-dir', cache(), '--out', join(tmp, 'm1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: the two sides were not run the same way: seeds \[0,1,2\] .* vs \[0,1\]/);
    const limit = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'b'), '--limit', '100', '--cache-dir', cache(), '--out', join(tmp, 'm2'));
    expect(limit.code).toBe(2);
    expect(limit.err).toMatch(/--limit 100 vs --reference .*'s 200/);
    expect(existsSync(join(tmp, 'm1', 'compare.json'))).toBe(false);
  });

  it('a shift neither stored run scored is refused, not silently left out (exit 2)', async () => {
    const r = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'run-b'), '--shift', 'fog:2,quickdraw', '--cache-dir', cache(), '--out', join(tmp, 'noshift'));
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --shift fog:2: not scored by either side on cifar10; rerun bench with --shift fog:2 for both runs, or leave it out\n');
  });

  it('a v1 results file (no stored outcomes) is refused with the command that reruns it', async () => {
    const rec = JSON.parse(readFileSync(join(tmp, 'run-a', 'results.json'), 'utf8'));
    const v1 = { ...rec, schemaVersion: 1, datasets: rec.datasets.map(({ outcomes: _, ...d }: Record<string, unknown>) => d) };
    writeFileSync(join(tmp, 'v1.json'), JSON.stringify(v1));
    const r = await compare('--reference', join(tmp, 'v1.json'), '--candidate', join(tmp, 'run-b'), '--cache-dir', cache(), '--out', join(tmp, 'v1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --reference .*v1\.json: cifar10 has no per-example outcomes \(results schemaVersion 1, .*\); rerun it with this clip-bench: npm run bench -- /);
  });

  it('a corrupted outcome blob is refused, naming the file and the field (exit 2)', async () => {
    const rec = JSON.parse(readFileSync(join(tmp, 'run-b', 'results.json'), 'utf8'));
    const p = rec.datasets[0].outcomes.probes[1].predictions;
    // Flip one base64 character inside the deflated data.
    const i = p.data.length >> 1;
    p.data = p.data.slice(0, i) + (p.data[i] === 'A' ? 'B' : 'A') + p.data.slice(i + 1);
    writeFileSync(join(tmp, 'corrupt.json'), JSON.stringify(rec));
    const r = await compare('--reference', join(tmp, 'run-a'), '--candidate', join(tmp, 'corrupt.json'), '--cache-dir', cache(), '--out', join(tmp, 'corrupt'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: ${join(tmp, 'corrupt.json')}: cifar10 outcomes\\.probes\\[1\\]\\.predictions is corrupt \\(`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
