import { LogisticRegressionProbe } from './logistic-regression.ts';
import { MlLogisticRegressionProbe } from './ml-solver.ts';
import type { ProbeFactory, ProbeSolver } from './types.ts';
import type { ProbePrecision } from './solver.ts';

export type { LinearProbe, LinearWeights, ProbeFactory, ProbeSolver } from './types.ts';
export { LogisticRegressionProbe } from './logistic-regression.ts';
export type { ProbePrecision } from './solver.ts';
export { MlLogisticRegressionProbe } from './ml-solver.ts';
export { COOP_C_GRID, concatProbeData, selectRows, sweepC, type ProbeData, type SweepOptions, type SweepPoint, type SweepResult } from './sweep.ts';

export interface ProbeSolverOptions {
  maxIter?: number;
  tol?: number;
  /** ml-logistic-regression only. */
  numSteps?: number;
  learningRate?: number;
  /** lbfgs only: called after every iteration (progress reporting). */
  onIteration?: (iteration: number) => void;
  /** lbfgs only: onnxruntime threads for the large-problem kernel (default: all cores). */
  threads?: number;
  /** lbfgs only: 'float64' (default here) or 'mixed' (see solver.ts). */
  precision?: ProbePrecision;
}

/** The `--solver` dispatch point: a factory of unfitted probes for a given C (and warm start). */
export function probeFactory(solver: ProbeSolver, options: ProbeSolverOptions = {}): ProbeFactory {
  switch (solver) {
    case 'lbfgs':
      return (C, init) => new LogisticRegressionProbe({ C, maxIter: options.maxIter, tol: options.tol, init, onIteration: options.onIteration, threads: options.threads, precision: options.precision });
    case 'ml-logistic-regression':
      return (C) => new MlLogisticRegressionProbe({ C, numSteps: options.numSteps, learningRate: options.learningRate });
    default:
      throw new Error(`unknown probe solver "${solver as string}": use lbfgs or ml-logistic-regression`);
  }
}

/** Whether C changes the solver's model at all (a C sweep is pointless otherwise). */
export function solverUsesC(solver: ProbeSolver): boolean {
  return solver === 'lbfgs';
}
