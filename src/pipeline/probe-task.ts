/**
 * One (shots, seed) task of the probe pool: the draw's linear probe (CLIP A.3), then, with --methods, every
 * few-shot method on the same draw, in the same thread. Fitting the methods beside their probe, on the
 * workers, keeps every core busy through a run: the draws' methods fit in parallel as their probes do,
 * instead of one after another on the main thread once all probes are done.
 */
import { drawRows, evaluateProbeSeed, type ProbeFitProgress, type ProbeJob, type ProbeSeedEvaluation } from '../evaluation/linear-probe.ts';
import type { KShotSample } from '../evaluation/sampling.ts';
import { fitDrawMethods, type DrawMethodFit, type MethodsJob } from '../evaluation/methods/fit-draw.ts';

export type { MethodsJob };

/** The pool's job: the probe's data, and the methods to fit on every draw (absent: the probe alone). */
export interface ProbeTaskJob extends ProbeJob {
  methods?: MethodsJob;
}

export interface ProbeTaskResult extends ProbeSeedEvaluation {
  /** The methods' fits on this draw, in the job's order (empty without --methods). */
  methods: DrawMethodFit[];
}

export function runProbeTask(job: ProbeTaskJob, seed: number, sample: KShotSample, onProgress?: (p: ProbeFitProgress) => void): ProbeTaskResult {
  const probe = evaluateProbeSeed({ ...job, seed, sample, onProgress });
  if (!job.methods?.names.length) return { ...probe, methods: [] };
  const { train, val } = drawRows(job, sample);
  const methods = fitDrawMethods({
    job: job.methods,
    train,
    val,
    d: job.dim,
    numClasses: job.numClasses,
    probe: { weights: probe.weights, C: probe.C, ...(probe.trainWeights ? { trainWeights: probe.trainWeights } : {}) },
    settings: job.settings,
    seed,
    onMethod: onProgress && ((method) => onProgress({ phase: 'methods', C: probe.C, fit: Number.MAX_SAFE_INTEGER, iteration: 0, method })),
  });
  return { ...probe, methods };
}
