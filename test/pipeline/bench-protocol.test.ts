import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';
import { openModel } from '../../src/model/resolve.ts';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { DEFAULT_PROBE_SETTINGS, runBench, type BenchOptions } from '../../src/pipeline/bench.ts';
import { testBenchOptions } from '../helpers/bench-options.ts';
import { summaryRows } from '../../src/results/markdown.ts';
import { validateResults } from '../../src/results/validate.ts';

// The always-on pipeline test: an in-memory dataset through a tiny CLIP-format export, no files but the model.
describe('runBench on an in-memory dataset: the recorded protocol is the one that ran', () => {
  let tmp: string;
  let model: ClipModel;
  const sink = { text: '', write(s: string) { this.text += s; return true; }, isTTY: false };
  const options = (over: Partial<BenchOptions>) =>
    testBenchOptions({ datasets: [memoryDataset({ train: 60, test: 30 })], shots: [20], seeds: [0, 1, 2], quiet: false, log: undefined, stderr: sink, ...over });
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-proto-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(join(tmp, 'model'), { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('20 train images per class at --shots 20: C fixed at 1 with the reason, seeds that drew the same rows, no "± 0.0"', async () => {
    const r = await runBench(options({}), model);
    expect(validateResults(r)).toEqual([]);
    const p = r.datasets[0].probes[0];
    expect(p.protocol).toMatchObject({ cSelection: 'fixed', fixedC: 1, distinctDraws: 1, identicalSeeds: [[0, 1, 2]] });
    expect(p.protocol!.reason).toMatch(/no class had examples left over for validation/);
    expect(p.perSeed.every((s) => s.cSelection === 'fixed' && s.sweep.length === 0)).toBe(true);
    const row = summaryRows(r.datasets[0])[1];
    expect(row[1]).toBe('20-shot × 3 seeds (same draw, fixed C=1)');
    expect(row[2]).not.toMatch(/±/);
    expect(r.warnings.join('\n')).toMatch(/20-shot: C fixed at 1 .*all 3 seeds drew the same rows/);
  });

  it('a k with spare validation rows sweeps C and prints a seed spread', async () => {
    const r = await runBench(options({ shots: [2] }), model);
    const p = r.datasets[0].probes[0];
    expect(p.protocol).toMatchObject({ cSelection: 'sweep', distinctDraws: 3, identicalSeeds: [] });
    expect(p.protocol!.note).toBeUndefined();
    expect(p.perSeed.every((s) => s.sweep.length > 0)).toBe(true);
    expect(summaryRows(r.datasets[0])[1][2]).toMatch(/±/);
    // precision auto: the run records 'auto', each seed how it ran (a small draw: scikit-learn's float64 path).
    expect(r.protocol.probeFit?.precision).toBe('auto');
    expect(p.perSeed.map((s) => s.precision)).toEqual(['float64', 'float64', 'float64']);
    expect(validateResults(r)).toEqual([]);
  });

  it('records the execution provider the encoders ran on (cpu unless --device says otherwise)', async () => {
    const r = await runBench(options({ shots: [], seeds: [0] }), model);
    expect(r.protocol.device).toBe('cpu');
    expect(validateResults(r)).toEqual([]);
    expect(validateResults({ ...r, protocol: { ...r.protocol, device: '' } })).not.toEqual([]);
  });

  it('--solver ml-logistic-regression records no C grid and no refinement steps (none ran)', async () => {
    const r = await runBench(options({ shots: [2], seeds: [0], settings: { ...DEFAULT_PROBE_SETTINGS, solver: 'ml-logistic-regression' } }), model);
    expect(r.protocol.cGrid).toEqual([]);
    expect(r.protocol.refineSteps).toBe(0);
    expect(r.datasets[0].probes[0].protocol).toMatchObject({ cSelection: 'fixed', reason: 'the solver has no C to tune' });
  });

  it('results do not depend on the number of probe workers', async () => {
    const inline = await runBench(options({ shots: [1, 2], seeds: [0, 1] }), model);
    const pooled = await runBench(options({ shots: [1, 2], seeds: [0, 1], probeWorkers: 2 }), model);
    const strip = (r: typeof inline) => r.datasets[0].probes.map((p) => ({ ...p, perSeed: p.perSeed.map((s) => ({ ...s, seconds: 0 })) }));
    expect(strip(pooled)).toEqual(strip(inline));
  });

  it('shows per-fit progress with shots, seed, C and an ETA', async () => {
    sink.text = '';
    await runBench(options({ shots: [2], seeds: [0, 1] }), model);
    expect(sink.text).toMatch(/memory probes: 2 probe seeds to fit/);
    expect(sink.text).toMatch(/2-shot seed 1: C=[\d.e+-]+, top-1 [\d.]+% .*\d\/2 seeds done|2\/2 seeds done; 2-shot seed \d: C=/);
  });

  it('--export-features writes which rows each seed drew and the C it chose', async () => {
    const dir = join(tmp, 'feats');
    const r = await runBench(options({ shots: [2], seeds: [0, 1], exportFeaturesDir: dir }), model);
    const draws = JSON.parse(readFileSync(join(dir, 'memory', 'draws.json'), 'utf8')).draws;
    expect(draws).toHaveLength(2);
    for (const d of draws) {
      const fit = r.datasets[0].probes[0].perSeed.find((s) => s.seed === d.seed)!;
      expect(d.train).toHaveLength(fit.trainCount);
      expect(d.val).toHaveLength(fit.valCount);
      expect(d.C).toBe(fit.C);
    }
  });
});

describe('runBench with --shift: probes fitted once on clean features, scored on every shifted test set', () => {
  let tmp: string;
  let model: ClipModel;
  const base = (over: Partial<BenchOptions>) =>
    testBenchOptions({ datasets: [memoryDataset({ train: 60, test: 30, size: 12 })], shots: [1, 2, 4], shift: 'contrast:5,gaussian_noise:3', ...over });
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-shift-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(join(tmp, 'model'), { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('records one clean and one shifted result per shift, with the same fitted C, and a robustness summary', async () => {
    const r = await runBench(base({}), model);
    expect(validateResults(r)).toEqual([]);
    expect(r.datasets.map((d) => d.shift)).toEqual(['none', 'contrast:5', 'gaussian_noise:3']);
    const [clean, contrast, noise] = r.datasets;
    expect(contrast.shiftInfo).toMatchObject({ kind: 'corruption', corruption: 'contrast', severity: 5, seed: null, fidelity: 'exact' });
    expect(noise.shiftInfo).toMatchObject({ seed: 0, suite: 'CIFAR-10-C (re-implementation, seed 0)' });
    for (const shifted of [contrast, noise]) expect(shifted.probes.map((p) => p.perSeed.map((s) => s.C))).toEqual(clean.probes.map((p) => p.perSeed.map((s) => s.C)));
    const outcomes = (d: typeof clean) => JSON.stringify([d.zeroShot.metrics!.confusion, ...d.probes.flatMap((p) => p.perSeed.map((s) => s.metrics.confusion))]);
    expect(outcomes(contrast)).not.toBe(outcomes(clean));
    const rob = r.robustness![0];
    expect(rob.methods.map((m) => `${m.method} ${m.shots ?? ''}`)).toEqual(['zero-shot ', 'linear probe 1', 'linear probe 2', 'linear probe 4']);
    const zs = rob.methods[0];
    expect(zs.perShift[0].top1).toBe(contrast.zeroShot.top1!.mean);
    expect(zs.perShift[0].drop.mean).toBeCloseTo(contrast.zeroShot.top1!.mean - clean.zeroShot.top1!.mean, 12);
    expect(zs.meanShifted).toBeCloseTo((contrast.zeroShot.top1!.mean + noise.zeroShot.top1!.mean) / 2, 12);
    expect(zs.corruptions!.corruptionsCovered).toBe(2);
    expect(rob.effectiveRobustness).not.toBeNull();
  });

  it('a shifted run repeated gives identical results, whatever the worker counts', async () => {
    const strip = (r: Awaited<ReturnType<typeof runBench>>) => JSON.parse(JSON.stringify({ d: r.datasets.map((d) => ({ ...d, timings: null, zeroShot: { ...d.zeroShot, seconds: 0 }, probes: d.probes.map((p) => ({ ...p, perSeed: p.perSeed.map((s) => ({ ...s, seconds: 0 })) })) })), rob: r.robustness }));
    const a = await runBench(base({ shots: [2], shift: 'gaussian_noise:5,shot_noise:2' }), model);
    const b = await runBench(base({ shots: [2], shift: 'gaussian_noise:5,shot_noise:2', workers: 2, probeWorkers: 2, batchSize: 7 }), model);
    expect(strip(b)).toEqual(strip(a));
  });
});
