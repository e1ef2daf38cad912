import type { Dataset } from '../datasets/types.ts';
import type { ClassRestriction } from '../datasets/natural-shifts.ts';
import { identicalDraws, maxFitsPerSeed, probeFitMode, scoreProbe, type ProbeDraws, type ProbeSeedEvaluation, type ProbeSettings, type Shots } from '../evaluation/linear-probe.ts';
import { classificationMetrics, correctness, predictionsFromScores, restrictToClasses, type Metrics } from '../evaluation/metrics.ts';
import type { KShotSample } from '../evaluation/sampling.ts';
import { probeEstimates } from '../evaluation/estimates.ts';
import type { ProbeProtocol, ProbeResult } from '../results/schema.ts';
import { GRID_SEARCH_NOTE } from '../results/probe-fit.ts';
import { plural } from '../util/plural.ts';
import { deriveSeed } from '../util/rng.ts';
import { runProbeTasks, type MethodsJob, type ProbeTask, type ProbeTaskResult } from './probe-pool.ts';
import { createProbeProgress, type ProbeProgressOptions } from './probe-progress.ts';
import { BOOTSTRAP_SEED, toRecord, top5Estimate } from './record.ts';


const FIXED_REASON = {
  'solver-ignores-C': 'the solver has no C to tune',
  'no-validation-examples': 'no class had examples left over for validation after the k-shot draw',
} as const;

/** The protocol that ran for one shot count, from its seeds' fits and draws. */
export function probeProtocol(shots: number | 'all', perSeed: ProbeSeedEvaluation[], list: { seed: number; sample: KShotSample }[], search: 'coop' | 'grid' = 'coop'): ProbeProtocol {
  const methods = new Set(perSeed.map((s) => s.cSelection.method));
  const fixed = perSeed.find((s) => s.cSelection.method === 'fixed');
  const identicalSeeds = identicalDraws(list);
  const distinctDraws = list.length - identicalSeeds.reduce((a, g) => a + g.length - 1, 0);
  const protocol: ProbeProtocol = { cSelection: methods.size > 1 ? 'mixed' : fixed ? 'fixed' : 'sweep', distinctDraws, identicalSeeds };
  const notes: string[] = [];
  if (search === 'grid' && perSeed.some((s) => s.cSelection.method === 'sweep')) {
    protocol.search = 'grid';
    notes.push(GRID_SEARCH_NOTE);
  }
  if (fixed && fixed.cSelection.method === 'fixed') {
    protocol.fixedC = fixed.C;
    protocol.reason = FIXED_REASON[fixed.cSelection.reason];
    const which = protocol.cSelection === 'mixed' ? `for seeds ${perSeed.filter((s) => s.cSelection.method === 'fixed').map((s) => s.seed).join(', ')} ` : '';
    notes.push(`C fixed at ${fixed.C} ${which}with no sweep (${protocol.reason})`);
  }
  if (distinctDraws < list.length)
    notes.push(distinctDraws === 1 ? `all ${list.length} seeds drew the same rows, so the seed spread is not a sampling spread` : `only ${plural(distinctDraws, 'distinct draw')} among ${list.length} seeds (same rows: seeds ${identicalSeeds.map((g) => g.join('='))
      .join(', ')})`);
  if (notes.length) protocol.note = `${shots}-shot: ${notes.join('; ')}`;
  return protocol;
}

export interface FittedProbes {
  draws: ProbeDraws;
  /** Per shot count, one fit per seed in draw order (weights, C, sweep, clean-test scores, and the methods' fits on the draw). */
  fits: Map<Shots, ProbeTaskResult[]>;
}

/**
 * Fits every (shots, seed) probe on the drawn pool features and scores it on the test set; with `methods`,
 * each draw's few-shot methods are fitted right after its probe, on the same thread. Fits run on worker
 * threads (`workers` > 0) so progress keeps printing, a stop request is answered at once, and the draws
 * share the cores.
 */
export async function fitProbes(args: {
  ds: Dataset;
  draws: ProbeDraws;
  poolLabels: Int32Array;
  poolIndex: Int32Array;
  poolFeatures: Float32Array;
  testFeats: Float32Array;
  testLabels: Int32Array;
  dim: number;
  settings: ProbeSettings;
  workers: number;
  methods?: MethodsJob;
  signal?: AbortSignal;
  progress?: ProbeProgressOptions;
}): Promise<FittedProbes> {
  const { ds, draws, settings } = args;
  const tasks: ProbeTask[] = [...draws].flatMap(([shots, list]) => list.map(({ seed, sample }) => ({ shots, seed, sample })));
  const progress = createProbeProgress(
    `${ds.name} probes`,
    tasks.map((t) => ({ shots: t.shots, seed: t.seed, maxFits: maxFitsPerSeed(settings, t.sample.val.length > 0) })),
    args.progress,
  );
  const all = await runProbeTasks(
    { poolLabels: args.poolLabels, poolIndex: args.poolIndex, poolFeatures: args.poolFeatures, testFeats: args.testFeats, testLabels: args.testLabels, numClasses: ds.classes.length, dim: args.dim, settings, ...(args.methods ? { methods: args.methods } : {}) },
    tasks,
    { workers: args.workers, signal: args.signal, onProgress: (i, p) => progress.update(i, p), onDone: (i, r) => progress.done(i, r) },
  );
  const fits = new Map<Shots, ProbeTaskResult[]>();
  let t = 0;
  for (const [k, list] of draws) {
    fits.set(k, all.slice(t, t + list.length));
    t += list.length;
  }
  return { draws, fits };
}

/** Per-example outcomes of one fitted probe on one test set. */
export interface ProbeScore {
  metrics: Metrics;
  correct: Uint8Array;
  predictions: Int32Array;
}

/** The fitted probes scored on another test set (e.g. a shifted one): no refitting, same heads. */
export function scoreFittedProbes(fitted: FittedProbes, feats: Float32Array, labels: Int32Array, numClasses: number, restriction?: ClassRestriction): Map<Shots, ProbeScore[]> {
  const n = labels.length;
  const out = new Map<Shots, ProbeScore[]>();
  for (const [k, list] of fitted.fits) {
    out.set(
      k,
      list.map((f) => {
        const raw = scoreProbe(f.weights, feats, n);
        const scores = restrictToClasses(raw, numClasses, restriction);
        return { metrics: classificationMetrics(scores, labels, numClasses), correct: correctness(scores, labels, numClasses), predictions: predictionsFromScores(scores, numClasses) };
      }),
    );
  }
  return out;
}

/**
 * One ProbeResult per shot count for one test set, with CIs and the protocol that actually ran.
 * `scores` defaults to the fits' own clean-test scores; `cell` keys the bootstrap seed (the shift, if any).
 */
export function probeResults(args: {
  ds: Dataset;
  fitted: FittedProbes;
  testLabels: Int32Array;
  settings: ProbeSettings;
  bootstrapResamples: number;
  scores?: Map<Shots, ProbeScore[]>;
  cell?: string;
}): ProbeResult[] {
  const { ds, fitted, settings } = args;
  const K = ds.classes.length;
  const probes: ProbeResult[] = [];
  for (const [k, list] of fitted.draws) {
    const perSeed = fitted.fits.get(k)!;
    const scored = args.scores?.get(k) ?? perSeed;
    const est = probeEstimates(scored.map((s) => s.correct), args.testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}${args.cell ? `/${args.cell}` : ''}/probe/${k}`), args.bootstrapResamples);
    const short = new Map<number, { available: number; requested: number }>();
    for (const { sample } of list) for (const s of sample.shortClasses) short.set(s.class, { available: s.available, requested: s.requested });
    const top5s = scored.map((s) => s.metrics.top5);
    probes.push({
      shots: k,
      solver: settings.solver,
      perSeed: perSeed.map((s, i) => ({ seed: s.seed, trainCount: s.trainCount, valCount: s.valCount, C: s.C, cSelection: s.cSelection.method, ...(s.precision ? { precision: s.precision } : {}), sweep: s.sweep, metrics: toRecord(scored[i].metrics), seconds: s.seconds })),
      ...est,
      top5: top5s.every((v) => v !== null) ? top5Estimate(top5s as number[]) : null,
      protocol: probeProtocol(k, perSeed, list, probeFitMode(settings).search),
      ...(k === 'all' ? { effectiveShots: perSeed.reduce((a, s) => a + s.trainCount, 0) / perSeed.length / K } : {}),
      shortClasses: [...short].map(([c, v]) => ({ class: ds.classes[c], ...v })),
    });
  }
  return probes;
}

/** Each fitted probe's C with its predictions on one test set, per shot count in seed order. */
export function probePredictions(fitted: FittedProbes, scores: Map<Shots, ProbeScore[]>): Map<Shots, { seed: number; C: number; predictions: Int32Array }[]> {
  return new Map([...fitted.fits].map(([k, fits]) => [k, fits.map((f, i) => ({ seed: f.seed, C: f.C, predictions: scores.get(k)![i].predictions }))]));
}
