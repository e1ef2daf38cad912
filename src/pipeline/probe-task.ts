/**
 * The work of one (shots, seed) draw in the probe pool: the draw's linear probe (CLIP A.3) and, with
 * --methods, every few-shot method on the same draw. The pool splits a draw into units so the cores stay
 * busy: the probe unit fits the probe and then the methods that need it (registry `needsProbe`: WiSE), and
 * each other method is a unit of its own, free to run beside the probes. Where and in which order units
 * run changes no result: each one is a function of the draw alone.
 */
import { drawRows, evaluateProbeSeed, type ProbeFitProgress, type ProbeJob, type ProbeSeedEvaluation } from '../evaluation/linear-probe.ts';
import type { KShotSample } from '../evaluation/sampling.ts';
import { fitDrawMethods, type DrawMethodFit, type MethodsJob } from '../evaluation/methods/fit-draw.ts';
import { findMethod } from '../evaluation/methods/registry.ts';

export type { MethodsJob };
export { setFloat32ThreadBudget } from '../evaluation/probe/ort-native.ts';

/** The pool's job: the probe's data, and the methods to fit on every draw (absent: the probe alone). */
export interface ProbeTaskJob extends ProbeJob {
  methods?: MethodsJob;
}

export interface ProbeTaskResult extends ProbeSeedEvaluation {
  /** The methods' fits on this draw, in the job's order (empty without --methods). */
  methods: DrawMethodFit[];
}

/** One unit of a draw: the probe (no `method`), or one method that does not need the probe. */
export interface ProbeUnit {
  method?: string;
}

/** What a unit made: the probe (the probe unit only) and method fits. */
export interface ProbeUnitResult {
  probe?: ProbeSeedEvaluation;
  methods: DrawMethodFit[];
}

const needsProbe = (name: string) => findMethod(name)?.needsProbe === true;

/** A draw's units, the probe's first; methods that need the probe go with it. */
export function drawUnits(job: ProbeTaskJob): ProbeUnit[] {
  return [{}, ...(job.methods?.names ?? []).filter((m) => !needsProbe(m)).map((method) => ({ method }))];
}

/** Relative cost of a unit, for longest-first scheduling (the probe is the longest). */
export function unitCost(unit: ProbeUnit): number {
  return unit.method === undefined ? Infinity : (findMethod(unit.method)?.fitCost ?? 1);
}

export function runProbeUnit(job: ProbeTaskJob, unit: ProbeUnit, seed: number, sample: KShotSample, onProgress?: (p: ProbeFitProgress) => void): ProbeUnitResult {
  const rows = drawRows(job, sample);
  const methodsOf = (names: string[], probe?: ProbeSeedEvaluation): DrawMethodFit[] => {
    if (!job.methods || names.length === 0) return [];
    const { train, val } = rows;
    return fitDrawMethods({
      job: { ...job.methods, names },
      train,
      val,
      d: job.dim,
      numClasses: job.numClasses,
      ...(probe ? { probe: { weights: probe.weights, C: probe.C, ...(probe.trainWeights ? { trainWeights: probe.trainWeights } : {}) } } : {}),
      settings: job.settings,
      seed,
      onMethod: onProgress && ((method) => onProgress({ phase: 'methods', C: probe?.C ?? NaN, fit: Number.MAX_SAFE_INTEGER, iteration: 0, method })),
    });
  };
  if (unit.method !== undefined) return { methods: methodsOf([unit.method]) };
  const probe = evaluateProbeSeed({ ...job, seed, sample, onProgress, rows });
  return { probe, methods: methodsOf((job.methods?.names ?? []).filter(needsProbe), probe) };
}

/** A draw's unit results put together: its probe, and its methods in the job's order. */
export function mergeUnits(job: ProbeTaskJob, results: ProbeUnitResult[]): ProbeTaskResult {
  const probe = results.find((r) => r.probe)?.probe;
  if (!probe) throw new Error('mergeUnits: the draw has no probe result');
  const order = job.methods?.names ?? [];
  const methods = results.flatMap((r) => r.methods).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return { ...probe, methods };
}

/** Every unit of one draw, one after another on this thread. */
export function runProbeTask(job: ProbeTaskJob, seed: number, sample: KShotSample, onProgress?: (p: ProbeFitProgress) => void): ProbeTaskResult {
  return mergeUnits(job, drawUnits(job).map((u) => runProbeUnit(job, u, seed, sample, onProgress)));
}
