import { l2NormalizeRows } from './normalize.ts';
import { classificationMetrics, correctness, type Metrics } from './metrics.ts';
import { sampleKShot, type KShotSample } from './sampling.ts';
import { probeFactory, solverUsesC, sweepC, concatProbeData, type ProbeSolver } from './probe/index.ts';
import { COOP_C_GRID } from './probe/sweep.ts';
import { deriveSeed } from '../util/rng.ts';

export type Shots = number | 'all';

/** The k-shot draws of a run, decided from labels alone so only the drawn rows need features. */
export type ProbeDraws = Map<Shots, { seed: number; sample: KShotSample }[]>;

export function planProbeDraws(poolLabels: Int32Array, numClasses: number, shots: Shots[], seeds: number[]): ProbeDraws {
  const draws: ProbeDraws = new Map();
  for (const k of shots) draws.set(k, seeds.map((seed) => ({ seed, sample: sampleKShot(poolLabels, numClasses, k, seed) })));
  return draws;
}

/** Sorted unique pool indices used by any draw (what feature extraction must cover). */
export function drawnIndices(draws: ProbeDraws): Int32Array {
  const set = new Set<number>();
  for (const list of draws.values()) for (const { sample } of list) {
    for (const i of sample.train) set.add(i);
    for (const i of sample.val) set.add(i);
  }
  return Int32Array.from([...set].sort((a, b) => a - b));
}

export interface ProbeSeedEvaluation {
  seed: number;
  trainCount: number;
  valCount: number;
  C: number;
  sweep: { C: number; valAccuracy: number }[];
  metrics: Metrics;
  correct: Uint8Array;
  seconds: number;
}

export interface ProbeSettings {
  solver: ProbeSolver;
  maxIter: number;
  grid: readonly number[];
  refineSteps: number;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = { solver: 'lbfgs', maxIter: 1000, grid: COOP_C_GRID, refineSteps: 8 };

/**
 * One k-shot probe (CLIP A.3 / CoOp lpclip): L2-normalised frozen features, C chosen on the disjoint
 * validation draw, refit on train + val at that C, scored on the test set.
 * `poolFeature(i)` returns the raw feature row of pool example i.
 */
export function evaluateProbeSeed(args: {
  seed: number;
  sample: KShotSample;
  poolLabels: Int32Array;
  poolFeatures: (indices: Int32Array) => Float32Array;
  testFeats: Float32Array;
  testLabels: Int32Array;
  numClasses: number;
  dim: number;
  settings: ProbeSettings;
}): ProbeSeedEvaluation {
  const t0 = performance.now();
  const { sample, dim: d, numClasses, settings } = args;
  const take = (idx: Int32Array) => ({
    X: l2NormalizeRows(args.poolFeatures(idx), idx.length, d),
    y: Int32Array.from(idx, (i) => args.poolLabels[i]),
    n: idx.length,
  });
  const train = take(sample.train);
  const val = take(sample.val);
  const makeProbe = probeFactory(settings.solver, { maxIter: settings.maxIter });
  let C = 1;
  let sweep: { C: number; valAccuracy: number }[] = [];
  if (solverUsesC(settings.solver) && val.n > 0) {
    const s = sweepC(train, val, { d, numClasses, makeProbe, grid: settings.grid, steps: settings.refineSteps });
    C = s.C;
    sweep = s.trace.map((p) => ({ C: p.C, valAccuracy: p.valAccuracy }));
  }
  const all = val.n > 0 ? concatProbeData(train, val, d) : train;
  // Cold start, as sklearn does: at large C a warm start can stop elsewhere within tolerance.
  const probe = makeProbe(C).fit(all.X, all.y, all.n, d, numClasses);
  const nTest = args.testLabels.length;
  const scores = probe.decisionFunction(l2NormalizeRows(args.testFeats, nTest, d), nTest);
  return {
    seed: args.seed,
    trainCount: train.n,
    valCount: val.n,
    C,
    sweep,
    metrics: classificationMetrics(scores, args.testLabels, numClasses),
    correct: correctness(scores, args.testLabels, numClasses),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Seed for the bootstrap of one (dataset, method, shots) cell: reproducible and independent of others. */
export function bootstrapSeedFor(base: number, cell: string): number {
  return deriveSeed(base, cell);
}
