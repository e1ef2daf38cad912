import type { Dataset } from '../datasets/types.ts';
import { identicalDraws, maxFitsPerSeed, type ProbeDraws, type ProbeSeedEvaluation, type ProbeSettings } from '../evaluation/linear-probe.ts';
import type { KShotSample } from '../evaluation/sampling.ts';
import { probeEstimates } from '../evaluation/estimates.ts';
import type { ProbeProtocol, ProbeResult } from '../results/schema.ts';
import { plural } from '../util/plural.ts';
import { deriveSeed } from '../util/rng.ts';
import { runProbeTasks, type ProbeTask } from './probe-pool.ts';
import { createProbeProgress, type ProbeProgressOptions } from './probe-progress.ts';
import { BOOTSTRAP_SEED, toRecord, top5Estimate } from './record.ts';


const FIXED_REASON = {
  'solver-ignores-C': 'the solver has no C to tune',
  'no-validation-examples': 'no class had examples left over for validation after the k-shot draw',
} as const;

/** The protocol that ran for one shot count, from its seeds' fits and draws. */
export function probeProtocol(shots: number | 'all', perSeed: ProbeSeedEvaluation[], list: { seed: number; sample: KShotSample }[]): ProbeProtocol {
  const methods = new Set(perSeed.map((s) => s.cSelection.method));
  const fixed = perSeed.find((s) => s.cSelection.method === 'fixed');
  const identicalSeeds = identicalDraws(list);
  const distinctDraws = list.length - identicalSeeds.reduce((a, g) => a + g.length - 1, 0);
  const protocol: ProbeProtocol = { cSelection: methods.size > 1 ? 'mixed' : fixed ? 'fixed' : 'sweep', distinctDraws, identicalSeeds };
  const notes: string[] = [];
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

/**
 * Fits every (shots, seed) probe on the drawn pool features, scores each on the test set, and shapes
 * one ProbeResult per shot count with its CIs and the protocol that actually ran. Fits run on worker
 * threads (`workers` > 0) so progress keeps printing and a stop request is answered at once.
 */
export async function probeStep(args: {
  ds: Dataset;
  draws: ProbeDraws;
  poolLabels: Int32Array;
  poolIndex: Int32Array;
  poolFeatures: Float32Array;
  testFeats: Float32Array;
  testLabels: Int32Array;
  dim: number;
  settings: ProbeSettings;
  bootstrapResamples: number;
  workers: number;
  signal?: AbortSignal;
  progress?: ProbeProgressOptions;
  log: (msg: string) => void;
  warnings: string[];
}): Promise<{ probes: ProbeResult[]; correct: Map<number | 'all', Uint8Array[]> }> {
  const { ds, draws, settings } = args;
  const K = ds.classes.length;
  const tasks: ProbeTask[] = [...draws].flatMap(([shots, list]) => list.map(({ seed, sample }) => ({ shots, seed, sample })));
  const progress = createProbeProgress(
    `${ds.name} probes`,
    tasks.map((t) => ({ shots: t.shots, seed: t.seed, maxFits: maxFitsPerSeed(settings, t.sample.val.length > 0) })),
    args.progress,
  );
  const fits = await runProbeTasks(
    { poolLabels: args.poolLabels, poolIndex: args.poolIndex, poolFeatures: args.poolFeatures, testFeats: args.testFeats, testLabels: args.testLabels, numClasses: K, dim: args.dim, settings },
    tasks,
    { workers: args.workers, signal: args.signal, onProgress: (i, p) => progress.update(i, p), onDone: (i, r) => progress.done(i, r) },
  );

  const probes: ProbeResult[] = [];
  const correct = new Map<number | 'all', Uint8Array[]>();
  let t = 0;
  for (const [k, list] of draws) {
    const perSeed = fits.slice(t, t + list.length);
    t += list.length;
    const est = probeEstimates(perSeed.map((s) => s.correct), args.testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/probe/${k}`), args.bootstrapResamples);
    const short = new Map<number, { available: number; requested: number }>();
    for (const { sample } of list) for (const s of sample.shortClasses) short.set(s.class, { available: s.available, requested: s.requested });
    const top5s = perSeed.map((s) => s.metrics.top5);
    const protocol = probeProtocol(k, perSeed, list);
    if (protocol.note) args.warnings.push(`${ds.name}: ${protocol.note}`);
    probes.push({
      shots: k,
      solver: settings.solver,
      perSeed: perSeed.map((s) => ({ seed: s.seed, trainCount: s.trainCount, valCount: s.valCount, C: s.C, cSelection: s.cSelection.method, sweep: s.sweep, metrics: toRecord(s.metrics), seconds: s.seconds })),
      ...est,
      top5: top5s.every((v) => v !== null) ? top5Estimate(top5s as number[]) : null,
      protocol,
      ...(k === 'all' ? { effectiveShots: perSeed.reduce((a, s) => a + s.trainCount, 0) / perSeed.length / K } : {}),
      shortClasses: [...short].map(([c, v]) => ({ class: ds.classes[c], ...v })),
    });
    correct.set(k, perSeed.map((s) => s.correct));
    args.log(`${ds.name}: ${k}-shot probe top-1 ${(100 * est.top1.mean).toFixed(1)}% over ${plural(list.length, 'seed')}`);
  }
  return { probes, correct };
}
