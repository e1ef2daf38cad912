import { describe, expect, it } from 'vitest';
import { findMethod, METHODS } from '../../src/evaluation/methods/index.ts';
import { DEFAULT_PROBE_SETTINGS, evaluateProbeSeed, scoreProbe } from '../../src/evaluation/linear-probe.ts';
import { sampleKShot } from '../../src/evaluation/sampling.ts';
import { evaluateZeroShot } from '../../src/evaluation/zeroshot.ts';
import { Rng } from '../../src/util/rng.ts';

/** Gaussian clusters: n rows of K classes in d dims, labels i mod K (raw, unnormalised features). */
function clusters(seed: number, n: number, d: number, K: number, spread: number) {
  const rng = new Rng(seed);
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
  const features = new Float32Array(n * d);
  const labels = Int32Array.from({ length: n }, (_, i) => i % K);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) features[i * d + j] = 3 + means[labels[i]][j] + spread * rng.normal();
  return { features, labels, n };
}

const rows = (src: { features: Float32Array; labels: Int32Array }, idx: Int32Array, d: number) => ({
  features: Float32Array.from({ length: idx.length * d }, (_, t) => src.features[idx[Math.floor(t / d)] * d + (t % d)]),
  labels: Int32Array.from(idx, (i) => src.labels[i]),
  n: idx.length,
});

describe('methods registry', () => {
  it('holds zero-shot and the linear probe, found by name', () => {
    expect(METHODS.map((m) => m.name)).toEqual(['zero-shot', 'linear-probe']);
    expect(findMethod('linear-probe')?.needs).toEqual({ labelledRows: true, zeroShotHead: false });
    expect(findMethod('zero-shot')?.needs).toEqual({ labelledRows: false, zeroShotHead: true });
    expect(findMethod('knn')).toBeUndefined();
  });

  it("gives each method's grid: C for the lbfgs probe, nothing for a solver that ignores C or for zero-shot", () => {
    expect(findMethod('linear-probe')!.grid(DEFAULT_PROBE_SETTINGS)).toEqual({ C: DEFAULT_PROBE_SETTINGS.grid });
    expect(findMethod('linear-probe')!.grid({ ...DEFAULT_PROBE_SETTINGS, solver: 'ml-logistic-regression' })).toEqual({});
    expect(findMethod('zero-shot')!.grid(DEFAULT_PROBE_SETTINGS)).toEqual({});
  });

  it('zero-shot scores exactly the logits evaluateZeroShot computes', () => {
    const d = 6, K = 4, T = 3;
    const test = clusters(1, 40, d, K, 0.8);
    const textEmb = clusters(2, K * T, d, K * T, 0.1).features;
    const ev = evaluateZeroShot({ imageFeats: test.features, labels: test.labels, textEmb, numClasses: K, numTemplates: T, dim: d, scale: 50 });
    const fitted = findMethod('zero-shot')!.fit({ train: null, val: null, zeroShotHead: { textEmb, numTemplates: T, logitScale: 50 }, numClasses: K, dim: d, settings: DEFAULT_PROBE_SETTINGS });
    expect(fitted.chosen).toEqual({});
    expect(fitted.selection).toBe('none');
    expect(fitted.score(test.features, test.n)).toEqual(ev.scores);
  });

  it("the linear probe chooses the same C and scores with the same weights as the bench's evaluateProbeSeed", () => {
    const d = 8, K = 3;
    const pool = clusters(3, 60, d, K, 1.5);
    const test = clusters(4, 30, d, K, 1.5);
    const sample = sampleKShot(pool.labels, K, 4, 7);
    const poolIndex = Int32Array.from({ length: pool.n }, (_, i) => i);
    const settings = { ...DEFAULT_PROBE_SETTINGS, refineSteps: 2 };
    const bench = evaluateProbeSeed({ poolLabels: pool.labels, poolIndex, poolFeatures: pool.features, testFeats: test.features, testLabels: test.labels, numClasses: K, dim: d, settings, seed: 7, sample });
    expect(bench.cSelection.method).toBe('sweep');
    const fitted = findMethod('linear-probe')!.fit({ train: rows(pool, sample.train, d), val: rows(pool, sample.val, d), zeroShotHead: null, numClasses: K, dim: d, settings });
    expect(fitted.chosen).toEqual({ C: bench.C });
    expect(fitted.selection).toBe('sweep');
    expect(fitted.score(test.features, test.n)).toEqual(scoreProbe(bench.weights, test.features, test.n));
  });

  it('the linear probe with no validation rows fixes C and says why', () => {
    const d = 5, K = 2;
    const train = clusters(5, 8, d, K, 1);
    const fitted = findMethod('linear-probe')!.fit({ train, val: null, zeroShotHead: null, numClasses: K, dim: d, settings: DEFAULT_PROBE_SETTINGS });
    expect(fitted.chosen).toEqual({ C: 1 });
    expect(fitted.selection).toBe('fixed: no-validation-examples');
  });

  it('refuses to fit without what it needs', () => {
    expect(() => findMethod('zero-shot')!.fit({ train: null, val: null, zeroShotHead: null, numClasses: 2, dim: 2, settings: DEFAULT_PROBE_SETTINGS })).toThrow(/needs the zero-shot head/);
    expect(() => findMethod('linear-probe')!.fit({ train: null, val: null, zeroShotHead: null, numClasses: 2, dim: 2, settings: DEFAULT_PROBE_SETTINGS })).toThrow(/needs labelled training rows/);
  });
});
