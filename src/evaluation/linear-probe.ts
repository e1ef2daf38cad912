import { l2NormalizeRows } from './normalize.ts';
import { classificationMetrics, correctness, type Metrics } from './metrics.ts';
import { sampleKShot, sampleKShotFromLists, type KShotSample } from './sampling.ts';
import { probeFactory, solverUsesC, sweepC, concatProbeData, type LinearProbe, type LinearWeights, type ProbeData, type ProbeSolver } from './probe/index.ts';
import { linearScores, type ProbePrecision } from './probe/logistic-regression.ts';
import { resolveKernel } from './probe/objective.ts';
import { COOP_C_GRID } from './probe/sweep.ts';
import { deriveSeed } from '../util/rng.ts';

export type Shots = number | 'all';

/** The k-shot draws of a run, decided from labels alone so only the drawn rows need features. */
export type ProbeDraws = Map<Shots, { seed: number; sample: KShotSample }[]>;

/**
 * Without `valLabels` train and validation rows are both drawn from the train split (disjoint); with them
 * (a dataset's own validation list, CoOp) the validation rows come from that list and pool indices run
 * over "train rows, then val rows" (sampleKShotFromLists).
 */
export function planProbeDraws(trainLabels: Int32Array, numClasses: number, shots: Shots[], seeds: number[], valLabels?: Int32Array): ProbeDraws {
  const draws: ProbeDraws = new Map();
  const draw = (k: Shots, seed: number) => (valLabels ? sampleKShotFromLists(trainLabels, valLabels, numClasses, k, seed) : sampleKShot(trainLabels, numClasses, k, seed));
  for (const k of shots) draws.set(k, seeds.map((seed) => ({ seed, sample: draw(k, seed) })));
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

/** How C was chosen for one fit: the protocol that actually ran, recorded in the results. */
export type CSelection =
  | { method: 'sweep' }
  | { method: 'fixed'; reason: 'solver-ignores-C' | 'no-validation-examples' };

export interface ProbeSeedEvaluation {
  seed: number;
  trainCount: number;
  valCount: number;
  C: number;
  cSelection: CSelection;
  sweep: { C: number; valAccuracy: number }[];
  metrics: Metrics;
  correct: Uint8Array;
  /** The fitted head, to score further test sets (e.g. shifted ones) without refitting. */
  weights: LinearWeights;
  /** When C was searched: the search's fit at the chosen C on the train rows alone (WiSE chooses α with it). */
  trainWeights?: LinearWeights;
  /** How this draw's lbfgs fits ran ('auto' resolved by the draw's size); absent for solvers without C. */
  precision?: ProbePrecision;
  seconds: number;
}

export interface ProbeSettings {
  solver: ProbeSolver;
  maxIter: number;
  grid: readonly number[];
  refineSteps: number;
  /** onnxruntime threads per fit for large problems; the pipeline splits the cores among probe workers. */
  threads?: number;
  /**
   * How each lbfgs fit is solved (absent: 'float64'). 'mixed': float32 products with a float64 polish, each
   * fit of the search warm-started from the C's already fitted (interpolated in log C between two, else the
   * nearest) and the train + val refit from the search's fit at the chosen C. 'float64': float64 products
   * and cold starts, sklearn's iterates (the path before issue 18). 'auto' (the CLI's default): per draw, 'mixed' when its products run on onnxruntime
   * (large draws, where it is about 4× faster and checked against scikit-learn's search on quickdraw), else
   * 'float64' (small draws: cheap either way, so sklearn's own path); docs/probe-solver.md.
   */
  precision?: ProbePrecisionSetting;
  /** 'coop' (absent): the grid then `refineSteps` bisection steps. 'grid': the coarse grid only (opt-in, faster, not CoOp's). */
  search?: CSearch;
}

export type CSearch = 'coop' | 'grid';

/** A settings record's precision: one of the solver's, or 'auto' (resolved per draw by `fitPrecision`). */
export type ProbePrecisionSetting = ProbePrecision | 'auto';

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = { solver: 'lbfgs', maxIter: 1000, grid: COOP_C_GRID, refineSteps: 8, precision: 'auto', search: 'coop' };

/** The precision and search a settings record runs (defaults filled in; 'auto' stays 'auto': see `fitPrecision`). */
export function probeFitMode(settings: ProbeSettings): { precision: ProbePrecisionSetting; search: CSearch; refineSteps: number } {
  const precision = settings.precision ?? 'float64';
  const search = settings.search ?? 'coop';
  return { precision, search, refineSteps: search === 'grid' ? 0 : settings.refineSteps };
}

/**
 * The precision a draw's fits run with: the setting, with 'auto' resolved by the draw's size: 'mixed' when
 * its products run on onnxruntime (n · min(n, d) · K ≥ ORT_MIN_WORK, the probe's own kernel rule, with n
 * the training rows of the search), else 'float64'. The train + val refit follows its search.
 */
export function fitPrecision(setting: ProbePrecisionSetting | undefined, n: number, d: number, numClasses: number): ProbePrecision {
  if (setting !== 'auto') return setting ?? 'float64';
  return resolveKernel('auto', n, Math.min(n, d), numClasses) === 'onnxruntime' ? 'mixed' : 'float64';
}

/** C when the protocol cannot choose one (sklearn's default). */
export const FIXED_C = 1;

/** Where a probe fit is, for progress lines: which C, which fit of the seed, which L-BFGS iteration. */
export interface ProbeFitProgress {
  /**
   * 'methods': one of the draw's --methods is fitting (`method` names it); C is the probe's when the method
   * runs after it (WiSE), NaN when it runs beside the probe.
   */
  phase: 'sweep' | 'refit' | 'methods';
  C: number;
  fit: number;
  iteration: number;
  method?: string;
}

/** Upper bound on the fits one seed makes (grid + 2 per refinement step + the refit); memoised C's make fewer. */
export function maxFitsPerSeed(settings: ProbeSettings, hasValidation: boolean): number {
  return solverUsesC(settings.solver) && hasValidation ? settings.grid.length + 2 * probeFitMode(settings).refineSteps + 1 : 1;
}

/** Rows of `features` ([poolIndex.length, d], rows in `poolIndex` order, which is sorted) for pool indices `idx`. */
export function gatherPoolRows(features: Float32Array, poolIndex: Int32Array, idx: Int32Array, d: number): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    let lo = 0;
    let hi = poolIndex.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (poolIndex[mid] < idx[i]) lo = mid + 1;
      else hi = mid;
    }
    if (poolIndex[lo] !== idx[i]) throw new Error(`gatherPoolRows: pool index ${idx[i]} has no feature row`);
    out.set(features.subarray(lo * d, (lo + 1) * d), i * d);
  }
  return out;
}

/**
 * One k-shot probe (CLIP A.3 / CoOp lpclip): L2-normalised frozen features, C chosen on the disjoint
 * validation draw, refit on train + val at that C, scored on the test set. When the draw has no
 * validation examples (every class used up by train) or the solver ignores C, C is fixed and the
 * record says so. `poolFeatures` holds raw feature rows for the sorted pool indices `poolIndex`.
 */
/** What every probe fit of one dataset shares: the drawn pool's features and the test set. */
export interface ProbeJob {
  poolLabels: Int32Array;
  poolIndex: Int32Array;
  poolFeatures: Float32Array;
  testFeats: Float32Array;
  testLabels: Int32Array;
  numClasses: number;
  dim: number;
  settings: ProbeSettings;
}

/** A draw's train and validation rows, gathered from the pool and L2-normalised: what every fit on the draw sees. */
export function drawRows(pool: Pick<ProbeJob, 'poolFeatures' | 'poolIndex' | 'poolLabels' | 'dim'>, sample: KShotSample): { train: ProbeData; val: ProbeData } {
  const d = pool.dim;
  const take = (idx: Int32Array): ProbeData => ({
    X: l2NormalizeRows(gatherPoolRows(pool.poolFeatures, pool.poolIndex, idx, d), idx.length, d),
    y: Int32Array.from(idx, (i) => pool.poolLabels[i]),
    n: idx.length,
  });
  return { train: take(sample.train), val: take(sample.val) };
}

export function evaluateProbeSeed(args: ProbeJob & { seed: number; sample: KShotSample; onProgress?: (p: ProbeFitProgress) => void; rows?: ReturnType<typeof drawRows> }): ProbeSeedEvaluation {
  const t0 = performance.now();
  const { sample, dim: d, numClasses, settings } = args;
  // `rows`: the draw's rows when the caller already gathered them (drawRows), for fits after this one.
  const { train, val } = args.rows ?? drawRows(args, sample);
  const { probe, C, cSelection, sweep, trainWeights, precision } = fitLinearProbe(train, val, d, numClasses, settings, args.onProgress);
  const nTest = args.testLabels.length;
  const scores = probe.decisionFunction(l2NormalizeRows(args.testFeats, nTest, d), nTest);
  return {
    seed: args.seed,
    trainCount: train.n,
    valCount: val.n,
    C,
    cSelection,
    sweep,
    metrics: classificationMetrics(scores, args.testLabels, numClasses),
    correct: correctness(scores, args.testLabels, numClasses),
    weights: probe.weights!(),
    ...(trainWeights ? { trainWeights } : {}),
    ...(precision ? { precision } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The probe of one draw, on L2-normalised rows: C chosen on `val` by the sweep (or fixed, and why),
 * then refit on train + val at that C. What evaluateProbeSeed scores, and the linear-probe method's fit.
 */
export function fitLinearProbe(
  train: ProbeData,
  val: ProbeData,
  d: number,
  numClasses: number,
  settings: ProbeSettings,
  onProgress?: (p: ProbeFitProgress) => void,
): { probe: LinearProbe; C: number; cSelection: CSelection; sweep: { C: number; valAccuracy: number }[]; trainWeights?: LinearWeights; precision?: ProbePrecision } {
  const where: ProbeFitProgress = { phase: 'sweep', C: FIXED_C, fit: 0, iteration: 0 };
  const mode = probeFitMode(settings);
  const precision = fitPrecision(mode.precision, train.n, d, numClasses);
  const warmStart = precision === 'mixed';
  const makeProbe = probeFactory(settings.solver, {
    maxIter: settings.maxIter,
    threads: settings.threads,
    precision,
    onIteration: onProgress
      ? (iteration) => {
          where.iteration = iteration;
          onProgress(where);
        }
      : undefined,
  });
  let C = FIXED_C;
  let sweep: { C: number; valAccuracy: number }[] = [];
  let chosen: LinearWeights | undefined;
  let cSelection: CSelection;
  if (!solverUsesC(settings.solver)) cSelection = { method: 'fixed', reason: 'solver-ignores-C' };
  else if (val.n === 0) cSelection = { method: 'fixed', reason: 'no-validation-examples' };
  else {
    cSelection = { method: 'sweep' };
    const onFit = (f: { C: number; index: number }) => {
      Object.assign(where, { C: f.C, fit: f.index, iteration: 0 });
      onProgress?.(where);
    };
    const s = sweepC(train, val, { d, numClasses, makeProbe, grid: settings.grid, steps: mode.refineSteps, warmStart, onFit });
    C = s.C;
    sweep = s.trace.map((p) => ({ C: p.C, valAccuracy: p.valAccuracy }));
    chosen = s.probe.weights?.();
  }
  const all = val.n > 0 ? concatProbeData(train, val, d) : train;
  Object.assign(where, { phase: 'refit', C, fit: where.fit + 1, iteration: 0 });
  onProgress?.(where);
  // float64: a cold start, as sklearn does. mixed: from the search's fit at this C (issue 18).
  const probe = makeProbe(C, warmStart ? chosen : undefined).fit(all.X, all.y, all.n, d, numClasses);
  return { probe, C, cSelection, sweep, ...(chosen ? { trainWeights: chosen } : {}), ...(solverUsesC(settings.solver) ? { precision } : {}) };
}

/**
 * Groups of seeds whose k-shot draws pick the same rows (as sets): e.g. a class pool no larger than k
 * leaves nothing to draw at random. Only groups of two or more are returned.
 */
export function identicalDraws(list: { seed: number; sample: KShotSample }[]): number[][] {
  const key = (s: KShotSample) => `${[...s.train].sort((a, b) => a - b).join(',')}|${[...s.val].sort((a, b) => a - b).join(',')}`;
  const groups = new Map<string, number[]>();
  for (const { seed, sample } of list) {
    const k = key(sample);
    groups.set(k, [...(groups.get(k) ?? []), seed]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** Seed for the bootstrap of one (dataset, method, shots) cell: reproducible and independent of others. */
export function bootstrapSeedFor(base: number, cell: string): number {
  return deriveSeed(base, cell);
}

/** Scores of a fitted probe on raw (unnormalised) features of another test set, normalised as in training. */
export function scoreProbe(weights: LinearWeights, feats: Float32Array, n: number): Float32Array {
  return linearScores(weights, l2NormalizeRows(feats, n, weights.numFeatures), n);
}
