import { describe, expect, it } from 'vitest';
import { probeFactory } from '../../src/evaluation/probe/index.ts';
import { MlLogisticRegressionProbe } from '../../src/evaluation/probe/ml-solver.ts';

describe('ml-logistic-regression adapter', () => {
  // Two well-separated clusters in 2-d, plus an unused class 1 in a 3-class problem.
  const X = Float32Array.from([2, 2, 2.5, 1.5, 1.5, 2.5, -2, -2, -2.5, -1.5, -1.5, -2.5]);
  const y = Int32Array.from([0, 0, 0, 2, 2, 2]);

  it('fits through the shared interface and classifies separable clusters', () => {
    const probe = new MlLogisticRegressionProbe({ numSteps: 300, learningRate: 0.05 }).fit(X, y, 6, 2, 3);
    expect(Array.from(probe.predict(X, 6))).toEqual(Array.from(y));
    const proba = probe.predictProba(Float32Array.from([2, 2]), 1);
    expect(proba[0] + proba[1] + proba[2]).toBeCloseTo(1, 6);
    expect(proba[1]).toBe(0);
    expect(proba[0]).toBeGreaterThan(0.9);
  });

  it('is what --solver ml-logistic-regression builds', () => {
    expect(probeFactory('ml-logistic-regression')(1)).toBeInstanceOf(MlLogisticRegressionProbe);
  });
});
