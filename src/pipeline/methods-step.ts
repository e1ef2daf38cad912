/**
 * The few-shot methods of --methods on the probe's own draws: each (method, shots, seed) is fitted on
 * the same train/validation rows and the same cached features as the linear probe of that draw (by the
 * probe pool, right after that probe: probe-task.ts), then scored here on every test set (clean and
 * shifted). This step never names a method: it runs what the registry hands it through the one
 * FewShotMethod interface.
 */
import type { ClassRestriction } from '../datasets/natural-shifts.ts';
import type { Dataset } from '../datasets/types.ts';
import type { Shots } from '../evaluation/linear-probe.ts';
import { l2NormalizeRows } from '../evaluation/normalize.ts';
import { scoreHead } from '../evaluation/methods/head.ts';
import type { MethodsJob } from '../evaluation/methods/fit-draw.ts';
import { classificationMetrics, correctness, restrictToClasses, type Metrics } from '../evaluation/metrics.ts';
import { probeEstimates } from '../evaluation/estimates.ts';
import { probeBreakEven } from '../evaluation/break-even.ts';
import type { MethodEntry } from '../evaluation/methods/registry.ts';
import type { FewShotMethod, FittedMethod } from '../evaluation/methods/types.ts';
import type { MethodRecord, MethodShotResult } from '../results/schema.ts';
import { deriveSeed } from '../util/rng.ts';
import type { FittedProbes } from './probe-step.ts';
import type { ZeroShotHead } from './zero-shot-step.ts';
import { BOOTSTRAP_SEED, toRecord, top5Estimate } from './record.ts';

export interface FittedMethodSeed {
  seed: number;
  trainCount: number;
  valCount: number;
  fit: FittedMethod;
  seconds: number;
}

export interface FittedMethods {
  /** Per method name (registry order), per shot count, one fit per seed in draw order. */
  fits: Map<string, Map<Shots, FittedMethodSeed[]>>;
  /** The zero-shot head the methods used: unit class embeddings [K, d] and the logit scale. */
  zeroShot: { W: Float32Array; scale: number };
}

/** The methods that run beside the baselines; those needing a text tower are skipped (with a warning) without one. */
export function runnableMethods(entries: readonly MethodEntry[], head: ZeroShotHead, dsName: string, warnings: string[]): (MethodEntry & { impl: FewShotMethod })[] {
  const out: (MethodEntry & { impl: FewShotMethod })[] = [];
  for (const e of entries) {
    if (e.impl === 'baseline') continue;
    if (e.needsZeroShot && !head.available) {
      warnings.push(`${dsName}: --methods ${e.name} needs the zero-shot head (${head.available ? '' : head.reason}); not run`);
      continue;
    }
    out.push(e as MethodEntry & { impl: FewShotMethod });
  }
  return out;
}

/** What the probe pool fits on every draw beside its probe: the methods' names and the zero-shot head (unit class embeddings [K, d], logit scale). */
export function methodsJob(methods: readonly MethodEntry[], head: ZeroShotHead, ds: Dataset, scale: number, d: number): MethodsJob {
  const K = ds.classes.length;
  const W = head.available ? head.classifier : new Float32Array(K * d);
  return { names: methods.map((m) => m.name), zeroShot: { W, scale } };
}

/** The methods' fits, gathered from the probe tasks that made them (runProbeTask), per method and shot count in seed order. */
export function collectMethods(ds: Dataset, job: MethodsJob, fitted: FittedProbes, log?: (m: string) => void): FittedMethods {
  const fits = new Map<string, Map<Shots, FittedMethodSeed[]>>(job.names.map((name) => [name, new Map()]));
  for (const [k, list] of fitted.fits)
    for (const r of list)
      for (const m of r.methods) {
        const perShots = fits.get(m.name)!;
        perShots.set(k, [...(perShots.get(k) ?? []), { seed: r.seed, trainCount: r.trainCount, valCount: r.valCount, fit: m.fit, seconds: m.seconds }]);
        log?.(`${ds.name}: ${m.name} ${k}-shot seed ${r.seed}: ${Object.entries(m.fit.hyperparameters).map(([h, v]) => `${h} ${fmt(v)}`).join(', ')} (${m.fit.selection}, ${m.seconds.toFixed(1)} s)`);
      }
  return { fits, zeroShot: job.zeroShot };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4).replace(/\.?0+$/, '') : v.toExponential(2));

export interface MethodScore {
  metrics: Metrics;
  correct: Uint8Array;
  /** Per curve point, 0/1 per row. */
  curve: Uint8Array[];
}

/** Every fitted method scored on one test set's raw features (normalised here, as the methods saw them). */
export function scoreMethods(fm: FittedMethods, feats: Float32Array, labels: Int32Array, numClasses: number, dim: number, restriction?: ClassRestriction): Map<string, Map<Shots, MethodScore[]>> {
  const n = labels.length;
  const X = l2NormalizeRows(feats, n, dim);
  const restrict = (s: Float32Array) => restrictToClasses(s, numClasses, restriction);
  const out = new Map<string, Map<Shots, MethodScore[]>>();
  for (const [name, perShots] of fm.fits)
    out.set(
      name,
      new Map(
        [...perShots].map(([k, seeds]) => [
          k,
          seeds.map((s) => {
            const scores = restrict(scoreHead(s.fit.head, X, n));
            const curve = (s.fit.curve?.points ?? []).map((p) => correctness(restrict(scoreHead(p.head, X, n)), labels, numClasses));
            return { metrics: classificationMetrics(scores, labels, numClasses), correct: correctness(scores, labels, numClasses), curve };
          }),
        ]),
      ),
    );
  return out;
}

/** Per method, per shots, each seed's 0/1 per test row (what the robustness summary pairs across test sets). */
export function methodCorrectness(scores: Map<string, Map<Shots, MethodScore[]>>): Map<string, Map<Shots, Uint8Array[]>> {
  return new Map([...scores].map(([name, perShots]) => [name, new Map([...perShots].map(([k, list]) => [k, list.map((s) => s.correct)]))]));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const rate = (c: Uint8Array) => (c.length ? c.reduce((a, b) => a + b, 0) / c.length : 0);

/** One MethodRecord per method for one test set: per-shot estimates with CIs, hyperparameters per seed, the curve, and a break-even against zero-shot. */
export function methodRecords(args: {
  ds: Dataset;
  fm: FittedMethods;
  scores: Map<string, Map<Shots, MethodScore[]>>;
  testLabels: Int32Array;
  bootstrapResamples: number;
  zeroShotTop1: number | null;
  cell?: string;
}): MethodRecord[] {
  const { ds, fm } = args;
  const K = ds.classes.length;
  const out: MethodRecord[] = [];
  for (const [name, perShots] of fm.fits) {
    const shots: MethodShotResult[] = [];
    for (const [k, seeds] of perShots) {
      const scored = args.scores.get(name)!.get(k)!;
      const est = probeEstimates(scored.map((s) => s.correct), args.testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}${args.cell ? `/${args.cell}` : ''}/method/${name}/${k}`), args.bootstrapResamples);
      const top5s = scored.map((s) => s.metrics.top5);
      const notes = [...new Set(seeds.flatMap((s) => (s.fit.note ? [`seed ${s.seed}: ${s.fit.note}`] : [])))];
      const curvePoints = seeds[0].fit.curve;
      shots.push({
        shots: k,
        ...(k === 'all' ? { effectiveShots: seeds.reduce((a, s) => a + s.trainCount, 0) / seeds.length / K } : {}),
        perSeed: seeds.map((s, i) => ({ seed: s.seed, trainCount: s.trainCount, valCount: s.valCount, hyperparameters: s.fit.hyperparameters, selection: s.fit.selection, metrics: toRecord(scored[i].metrics), seconds: s.seconds })),
        ...est,
        top5: top5s.every((v) => v !== null) ? top5Estimate(top5s as number[]) : null,
        ...(curvePoints
          ? {
              curve: {
                parameter: curvePoints.parameter,
                points: curvePoints.points.map((p, j) => {
                  const perSeed = scored.map((s) => rate(s.curve[j]));
                  return { value: p.value, top1: mean(perSeed), perSeed };
                }),
              },
            }
          : {}),
        ...(notes.length ? { notes } : {}),
      });
    }
    const be = args.zeroShotTop1 !== null ? probeBreakEven(shots.map((s) => ({ shots: s.shots, effectiveShots: s.effectiveShots, top1: s.top1.mean })), args.zeroShotTop1) : { shots: null };
    out.push({ method: name, breakEvenShots: be.shots, ...(be.note ? { breakEvenNote: be.note.replaceAll('the probe', name) } : {}), shots });
  }
  return out;
}
