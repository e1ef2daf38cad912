/**
 * Few-shot methods of one k-shot draw, fitted in the probe pool (src/pipeline/probe-task.ts): on a probe
 * worker beside the other draws' fits, or inline. Every method gets the same normalised train/validation
 * rows and the zero-shot head, and those that need it (WiSE) the draw's probe (types.ts MethodContext);
 * what comes back is plain data (MethodHead), so it crosses threads whole.
 */
import { probeFactory } from '../probe/index.ts';
import type { ProbeSettings } from '../linear-probe.ts';
import type { LinearWeights } from '../probe/index.ts';
import { findMethod } from './registry.ts';
import type { FeatureRows, FittedMethod, MethodContext } from './types.ts';

/** Which methods to fit on each draw, and the zero-shot head they start from. */
export interface MethodsJob {
  /** Registry names, in registry order; baselines are not among them. */
  names: string[];
  zeroShot: { W: Float32Array; scale: number };
}

export interface DrawMethodFit {
  name: string;
  fit: FittedMethod;
  seconds: number;
}

export function fitDrawMethods(args: {
  job: MethodsJob;
  train: FeatureRows;
  val: FeatureRows;
  d: number;
  numClasses: number;
  /** The draw's probe, for the methods that need it (absent when fitting only methods that do not). */
  probe?: { weights: LinearWeights; C: number; trainWeights?: LinearWeights };
  settings: ProbeSettings;
  seed: number;
  /** Called as each method starts. */
  onMethod?: (name: string) => void;
}): DrawMethodFit[] {
  const { d, numClasses: K, settings } = args;
  const makeProbe = probeFactory(settings.solver, { maxIter: settings.maxIter, threads: settings.threads });
  const ctx: MethodContext = {
    train: args.train,
    val: args.val,
    d,
    numClasses: K,
    zeroShot: args.job.zeroShot,
    ...(args.probe ? { probe: args.probe } : {}),
    fitProbe: (C, rows) => makeProbe(C).fit(rows.X, rows.y, rows.n, d, K).weights!(),
    settings,
    seed: args.seed,
  };
  return args.job.names.map((name) => {
    const impl = findMethod(name)?.impl;
    if (!impl || impl === 'baseline') throw new Error(`fitDrawMethods: "${name}" is not a few-shot method`);
    args.onMethod?.(name);
    const t0 = performance.now();
    const fit = impl.fit(ctx);
    return { name, fit, seconds: (performance.now() - t0) / 1000 };
  });
}
