import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main as benchMain } from '../../src/cli/bench.ts';
import { main as compareMain } from '../../src/cli/compare.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { decodeNpy } from '../../src/util/npy.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';
import { writeCaptionedImages, writeTinyFolder } from './fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-compare-retrieval-'));
const [modelA, modelB] = [join(work, 'tiny-a'), join(work, 'tiny-b')];
const COLOURS = ['red', 'green', 'blue', 'yellow', 'white'];
let captions: string;
let folder: string;
const common = ['--bootstrap', '50', '--no-cache'];

beforeAll(async () => {
  await writeTinyExport(modelA, { layout: 'transformers.js', imageSize: 32, dim: 8 });
  await writeTinyExport(modelB, { layout: 'transformers.js', imageSize: 32, dim: 8, seed: 2 });
  captions = await writeCaptionedImages(join(work, 'pics'), COLOURS);
  folder = await writeTinyFolder(join(work, 'photos'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const compare = (ref: string, cand: string, out: string, extra: string[] = []) => runMain(compareMain, ['--reference', ref, '--candidate', cand, '--dataset', captions, '--dataset', folder, '--task', 'retrieval', ...common, '--out', join(work, out), ...extra]);
type Json = { comparisons: { dataset: string; deltas: { metric: string; reference: number; candidate: number; delta: number; ci: [number, number] }[]; top1Changed: { direction: string; queries: number; changed: number }[] }[]; verdict: string };
const json = (out: string) => JSON.parse(readFileSync(join(work, out, 'compare-retrieval.json'), 'utf8')) as Json;

/** Each class query's top test image from exported embeddings (ties to the lower row), outside the harness. */
function classTop1(dir: string): number[] {
  const img = decodeNpy(readFileSync(join(dir, 'test_features.npy')), 'img');
  const txt = decodeNpy(readFileSync(join(dir, 'text_features.npy')), 'txt');
  const [n, d] = img.shape;
  const I = img.data as Float32Array;
  const T = txt.data as Float32Array;
  return Array.from({ length: txt.shape[0] }, (_, c) => {
    let best = -1;
    let bestS = -Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += I[i * d + j] * T[c * d + j];
      if (s > bestS) [best, bestS] = [i, s];
    }
    return best;
  });
}

describe('compare --task retrieval with two exports run live', () => {
  it('caption and class retrieval: deltas are the two exports\' own bench values, with paired CIs and top-1 changes', async () => {
    const r = await compare(modelA, modelB, 'ab', ['--max-drop', '100']);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const benches: BenchResults[] = [];
    for (const [m, out] of [[modelA, 'bench-a'], [modelB, 'bench-b']]) {
      expect((await runMain(benchMain, ['--task', 'retrieval', '--dataset', captions, '--dataset', folder, '--model', m, ...common, '--out', join(work, out), '--export-features', join(work, `${out}-x`)])).code).toBe(0);
      benches.push(JSON.parse(readFileSync(join(work, out, 'results.json'), 'utf8')) as BenchResults);
    }
    const j = json('ab');
    expect(j.comparisons.map((c) => c.dataset)).toEqual(['captions', folder]);
    for (const [i, c] of j.comparisons.entries()) {
      const [ra, rb] = benches.map((b) => b.retrieval![i]);
      expect(c.deltas.map((d) => d.metric)).toEqual(ra.kind === 'caption' ? Object.keys(ra.metrics).filter((m) => m.includes('recall@')) : Object.keys(ra.metrics));
      for (const d of c.deltas) {
        expect(d.reference).toBeCloseTo(ra.metrics[d.metric].mean, 12);
        expect(d.candidate).toBeCloseTo(rb.metrics[d.metric].mean, 12);
        expect(d.delta).toBeCloseTo(d.candidate - d.reference, 12);
        expect(d.ci[0]).toBeLessThanOrEqual(d.delta + 1e-12);
        expect(d.ci[1]).toBeGreaterThanOrEqual(d.delta - 1e-12);
      }
    }
    // The two seeded exports differ: some delta is not zero.
    expect(j.comparisons.flatMap((c) => c.deltas).some((d) => d.delta !== 0)).toBe(true);
    // Class queries whose top image changed, recomputed from both exports' embeddings.
    const name = folder.split('/').slice(1).join('/'); // an absolute folder path is the dataset's name
    const [ta, tb] = ['bench-a-x', 'bench-b-x'].map((x) => classTop1(join(work, x, ...name.split('/'))));
    const classChange = j.comparisons[1].top1Changed[0];
    expect(classChange).toEqual({ direction: 'class_retrieval', queries: 2, changed: ta.filter((t, c) => t !== tb[c]).length });
    expect(r.out).toMatch(/class_retrieval: top-1 changed for \d of 2 queries/);
    expect(r.out.trim().split('\n').at(-1)).toBe('PASS: no recall@k, mAP or precision@k dropped more than 100 points');
  });

  it('an export against itself changes nothing and passes a zero-drop gate; against another, exit 1 exactly when a gated metric dropped', async () => {
    const same = await compare(modelA, modelA, 'aa', ['--max-drop', '0']);
    expect(same.code).toBe(0);
    const j = json('aa');
    expect(j.comparisons.flatMap((c) => c.deltas.map((d) => d.delta))).toEqual(j.comparisons.flatMap((c) => c.deltas.map(() => 0)));
    expect(j.comparisons.flatMap((c) => c.top1Changed.map((t) => t.changed))).toEqual([0, 0, 0]);
    const strict = await compare(modelA, modelB, 'ab0', ['--max-drop', '0']);
    const gated = json('ab0').comparisons.flatMap((c) => c.deltas.filter((d) => /recall@|^mAP$|precision@/.test(d.metric) && (c.top1Changed[0].direction !== 'class_retrieval' || !d.metric.startsWith('recall@'))));
    const dropped = gated.some((d) => d.delta < 0);
    expect(strict.code).toBe(dropped ? 1 : 0);
    expect(strict.out.trim().split('\n').at(-1)).toMatch(dropped ? /^FAIL: .* points < −0/ : /^PASS/);
  });

  it('--shots, or a natural --shift, with --task retrieval is one error line, exit 2', async () => {
    const r = await compare(modelA, modelB, 'bad', ['--shots', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --shots goes with classification; compare --task retrieval takes two models (run live) or two stored --task retrieval runs\n');
    const natural = await compare(modelA, modelB, 'bad2', ['--shift', 'quickdraw']);
    expect(natural.err).toBe('error: --shift quickdraw: --task retrieval scores corruptions of its own test images only (e.g. --shift gaussian_noise:3), not other datasets\n');
  });
});
