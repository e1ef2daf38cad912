import { describe, expect, it } from 'vitest';
import { evaluateProbeSeed, fitPrecision, probeFitMode, DEFAULT_PROBE_SETTINGS } from '../../src/evaluation/linear-probe.ts';
import { LogisticRegressionProbe } from '../../src/evaluation/probe/logistic-regression.ts';
import { bindObjective, ORT_MIN_WORK } from '../../src/evaluation/probe/objective.ts';
import { AUTO_PRECISION_RULE } from '../../src/results/probe-fit.ts';
import { ortAvailable } from '../../src/evaluation/probe/ort-objective.ts';
import { setFloat32ThreadBudget } from '../../src/evaluation/probe/ort-native.ts';
import { rowsWithinTol } from '../../src/evaluation/probe/solver.ts';
import { sweepC, type ProbeData } from '../../src/evaluation/probe/sweep.ts';
import type { LinearProbe } from '../../src/evaluation/probe/types.ts';
import { Rng } from '../../src/util/rng.ts';

/** Class clusters around a shared mean (like CLIP features), L2-normalised rows. */
function clusters(seed: number, perClass: number, d: number, K: number, spread = 1.2): ProbeData {
  const rng = new Rng(seed);
  const shared = Array.from({ length: d }, () => 2 * rng.normal());
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
  const n = perClass * K;
  const X = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % K;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += (X[i * d + j] = shared[j] + means[y[i]][j] + spread * rng.normal()) ** 2;
    for (let j = 0; j < d; j++) X[i * d + j] /= Math.sqrt(ss);
  }
  return { X, y, n };
}

const describeOrt = ortAvailable() ? describe : describe.skip;

describeOrt('mixed-precision probe fits (issue 18)', () => {
  it.each(['float64', 'float32'] as const)('the %s onnxruntime objective has the gradient its finite differences give', (precision) => {
    const n = 60, d = 12, m = 5;
    const { X: X32, y } = clusters(3, n / m, d, m);
    const X = Float64Array.from(X32);
    const { objective } = bindObjective({ X, y, n, d, m, C: 10, kernel: 'onnxruntime', precision, threads: 1 });
    const rng = new Rng(9);
    const p = Float64Array.from({ length: m * d + m }, () => rng.normal());
    const g = new Float64Array(p.length);
    objective(p, g);
    // Central differences; float32 products need a larger step to rise above their rounding.
    const h = precision === 'float64' ? 1e-6 : 1e-2;
    const tol = precision === 'float64' ? 1e-6 : 2e-3;
    const scratch = new Float64Array(p.length);
    for (const t of [0, 7, m * d - 1, m * d, m * d + m - 1]) {
      const q = Float64Array.from(p);
      q[t] += h;
      const fp = objective(q, scratch);
      q[t] -= 2 * h;
      const fm = objective(q, scratch);
      expect(Math.abs((fp - fm) / (2 * h) - g[t])).toBeLessThan(tol * Math.max(1, Math.abs(g[t])));
    }
  });

  it('a mixed fit ends where the float64 fit ends: the same objective and predictions (to rounding at large C)', () => {
    const d = 48, K = 8;
    const train = clusters(1, 6, d, K);
    const test = clusters(1, 20, d, K);
    for (const C of [0.1, 10, 1000]) {
      const f64 = new LogisticRegressionProbe({ C, kernel: 'onnxruntime', precision: 'float64', threads: 1 }).fit(train.X, train.y, train.n, d, K);
      const mixed = new LogisticRegressionProbe({ C, kernel: 'onnxruntime', precision: 'mixed', threads: 1 }).fit(train.X, train.y, train.n, d, K);
      const a = f64.fitInfo(), b = mixed.fitInfo();
      expect(b.float32Iterations).toBeGreaterThan(0);
      expect(Math.abs(a.objective - b.objective) / a.objective).toBeLessThan(C >= 1000 ? 1e-3 : 1e-6);
      const pa = f64.predict(test.X, test.n), pb = mixed.predict(test.X, test.n);
      let same = 0;
      for (let i = 0; i < test.n; i++) if (pa[i] === pb[i]) same++;
      expect(same / test.n).toBeGreaterThan(C >= 1000 ? 0.97 : 0.995);
    }
  });

  it('with more rows than dimensions (the train + val refit) a mixed fit runs rotated and still ends where the float64 fit ends, with sklearn\'s gradient test met in the original coordinates', () => {
    const d = 40, K = 8;
    const train = clusters(2, 40, d, K); // 320 rows ≥ d and ≥ the staircase's 256
    const test = clusters(2, 20, d, K);
    for (const C of [1, 100]) {
      const f64 = new LogisticRegressionProbe({ C, kernel: 'onnxruntime', precision: 'float64', threads: 1 }).fit(train.X, train.y, train.n, d, K);
      const mixed = new LogisticRegressionProbe({ C, kernel: 'onnxruntime', precision: 'mixed', threads: 1 }).fit(train.X, train.y, train.n, d, K);
      const a = f64.fitInfo(), b = mixed.fitInfo();
      expect(b.float32Iterations).toBeGreaterThan(0);
      expect([a.basis, b.basis]).toEqual(['none', 'rotated']);
      expect(Math.abs(a.objective - b.objective) / a.objective).toBeLessThan(1e-6);
      const pa = f64.predict(test.X, test.n), pb = mixed.predict(test.X, test.n);
      let same = 0;
      for (let i = 0; i < test.n; i++) if (pa[i] === pb[i]) same++;
      expect(same / test.n).toBeGreaterThan(0.99);
      if (b.stop !== 'gtol') continue;
      // The stopping test was made in basis coordinates; recompute the gradient of the plain objective at the
      // returned weights in the original ones.
      const w = mixed.weights();
      const p = new Float64Array(K * d + K);
      p.set(w.coef);
      p.set(w.intercept, K * d);
      const g = new Float64Array(p.length);
      bindObjective({ X: Float64Array.from(train.X), y: train.y, n: train.n, d, m: K, C, kernel: 'js', precision: 'float64', threads: 1 }).objective(p, g);
      expect(Math.max(...g.map(Math.abs))).toBeLessThanOrEqual(1e-4 * (1 + 1e-6));
    }
  });

  it('the gradient test between the norm bounds looks at every original coordinate of the rows it is given', () => {
    // Q: a rotation of 3 coordinates (rows: the basis); g's rows are basis coordinates u, the original ones u·Q.
    // Row 0 is (0.9, 0.5, 0.2)·1e-4 in the original coordinates: within tol, though its 2-norm is not. Row 1 has
    // 1.5e-4 > tol there although its 2-norm (1.6e-4) is below tol·√3.
    const c = Math.SQRT1_2;
    const Q = Float64Array.from([c, c, 0, -c, c, 0, 0, 0, 1]);
    const basisOf = (o: number[]) => [0, 1, 2].map((a) => o[0] * Q[a * 3] + o[1] * Q[a * 3 + 1] + o[2] * Q[a * 3 + 2]);
    const g = Float64Array.from([...basisOf([0.9e-4, 0.5e-4, 0.2e-4]), ...basisOf([1.5e-4, 0.5e-4, 0.1e-4]), 0, 0]);
    expect(rowsWithinTol(g, [0], undefined, 2, Q, 3, 3, 1e-4, 1)).toBe(true);
    expect(rowsWithinTol(g, [0, 1], undefined, 2, Q, 3, 3, 1e-4, 1)).toBe(false);
    // Centred: the bias gradient times μ is added first (row 0 + 1·μ has 1.4e-4 in original coordinate 0).
    const gc = Float64Array.from([...basisOf([0.9e-4, 0.5e-4, 0.2e-4]), 0, 0, 0, 1, 0]);
    const mu = Float64Array.from(basisOf([0.5e-4, 0, 0]));
    expect(rowsWithinTol(gc, [0], undefined, 2, Q, 3, 3, 1e-4, 1)).toBe(true);
    expect(rowsWithinTol(gc, [0], mu, 2, Q, 3, 3, 1e-4, 1)).toBe(false);
  });

  it('gives bit-identical weights on 1 and 2 threads and across reruns', () => {
    // Large enough (192 × 64 × 24 multiply-adds per product) that MLAS splits each GEMM across 2 threads.
    const d = 64, K = 24;
    const train = clusters(5, 8, d, K);
    const fit = (threads: number) => new LogisticRegressionProbe({ C: 100, kernel: 'onnxruntime', precision: 'mixed', threads }).fit(train.X, train.y, train.n, d, K).weights();
    const one = fit(1), two = fit(2), again = fit(1);
    expect(Buffer.from(two.coef.buffer).equals(Buffer.from(one.coef.buffer))).toBe(true);
    expect(Buffer.from(two.intercept.buffer).equals(Buffer.from(one.intercept.buffer))).toBe(true);
    expect(Buffer.from(again.coef.buffer).equals(Buffer.from(one.coef.buffer))).toBe(true);
  });

  it('the whole seed (warm-started search + refit) is identical on 1 and 2 threads', () => {
    // 96 train rows × 64 × 24 classes: above ORT_MIN_WORK, so the onnxruntime kernels run.
    const run = seedOnThreads(64, 24, 4, 10, {});
    const a = run(1), b = run(2);
    expect(b.C).toBe(a.C);
    expect(b.sweep).toEqual(a.sweep);
    expect(Buffer.from(b.weights.coef.buffer).equals(Buffer.from(a.weights.coef.buffer))).toBe(true);
  });
});

/** One seed's evaluation (search + refit + test) on `threads`: `shots` train and as many val rows per class. */
function seedOnThreads(d: number, K: number, shots: number, testPerClass: number, settings: Partial<typeof DEFAULT_PROBE_SETTINGS>) {
  const pool = clusters(8, 2 * shots, d, K);
  const test = clusters(9, testPerClass, d, K);
  const train = Int32Array.from({ length: shots * K }, (_, i) => i);
  const val = Int32Array.from({ length: shots * K }, (_, i) => shots * K + i);
  const job = { poolLabels: pool.y, poolIndex: Int32Array.from({ length: pool.n }, (_, i) => i), poolFeatures: pool.X, testFeats: test.X, testLabels: test.y, numClasses: K, dim: d };
  return (threads: number) => evaluateProbeSeed({ ...job, settings: { ...DEFAULT_PROBE_SETTINGS, ...settings, threads }, seed: 0, sample: { train, val, shortClasses: [] } } as Parameters<typeof evaluateProbeSeed>[0]);
}

describeOrt('mixed fits on several cores', () => {
  it('a mixed seed big enough for the staircase graphs is bit-identical on 1 and 2 threads, and when the thread budget changes between evaluations', () => {
    // 260 train rows < d = 300: row space + float32 staircase graph; train + val = 520 rows > d: rotated into
    // the rows' Gram–Schmidt basis, the staircase over all d coordinates.
    const run = seedOnThreads(300, 10, 26, 20, { precision: 'mixed' });
    const a = run(1), b = run(2);
    let calls = 0;
    setFloat32ThreadBudget(() => 1 + (calls++ % 2));
    let c;
    try {
      c = run(1);
    } finally {
      setFloat32ThreadBudget(null);
    }
    expect(calls).toBeGreaterThan(50);
    for (const other of [b, c]) {
      expect(other.C).toBe(a.C);
      expect(other.sweep).toEqual(a.sweep);
      expect(Buffer.from(other.weights.coef.buffer).equals(Buffer.from(a.weights.coef.buffer))).toBe(true);
      expect(Buffer.from(other.weights.intercept.buffer).equals(Buffer.from(a.weights.intercept.buffer))).toBe(true);
    }
  });
});

describe('float64 fits on several cores', () => {
  it('a float64 seed big enough for the blocked graphs (staircase search, blocked dense refit) is bit-identical on 1 and 2 threads', () => {
    // 260 train rows < d = 300: row space + staircase graph; train + val = 520 rows > d: the blocked dense graph.
    const run = seedOnThreads(300, 10, 26, 20, { precision: 'float64' });
    const a = run(1), b = run(2);
    expect(b.C).toBe(a.C);
    expect(b.sweep).toEqual(a.sweep);
    expect(Buffer.from(b.weights.coef.buffer).equals(Buffer.from(a.weights.coef.buffer))).toBe(true);
    expect(Buffer.from(b.weights.intercept.buffer).equals(Buffer.from(a.weights.intercept.buffer))).toBe(true);
  });
});

describe('the C search', () => {
  /** A probe whose validation accuracy is looked up by C (exact values, so ties are exact). */
  const table = (acc: (logC: number) => number) => (C: number): LinearProbe => ({
    fit() {
      return this;
    },
    decisionFunction: () => new Float32Array(0),
    predictProba: () => new Float32Array(0),
    predict: (_X: Float32Array, n: number) => Int32Array.from({ length: n }, (_, i) => (i < Math.round(n * acc(Math.log10(C))) ? 0 : 1)),
  });
  const val: ProbeData = { X: new Float32Array(100), y: new Int32Array(100), n: 100 };
  const train: ProbeData = { X: new Float32Array(1), y: new Int32Array(1), n: 1 };

  it('CoOp tie rule on the grid: of equal validation accuracies the first in CoOp\'s order (the larger C) wins', () => {
    // 1e2 and 1 tie for best; CoOp's list has 1e2 first.
    const s = sweepC(train, val, { d: 1, numClasses: 2, steps: 0, makeProbe: table((l) => (l === 2 || l === 0 ? 0.8 : 0.5)) });
    expect(s.C).toBe(100);
  });

  it('CoOp tie rule in the bisection: the left end unless the right is strictly better', () => {
    // Flat: every step keeps the left end, so C walks down from 1e2 towards 10.
    const flat = sweepC(train, val, { d: 1, numClasses: 2, steps: 3, makeProbe: table(() => 0.5) });
    // Grid ties → 1e6 (first); then left ends 1e5, then interval [1e5, 1e5.5] → left 1e5 each time.
    expect(flat.C).toBeCloseTo(1e5, 6);
    const rising = sweepC(train, val, { d: 1, numClasses: 2, steps: 1, makeProbe: table((l) => (l > 6 ? 0.6 : 0.5)) });
    expect(rising.C).toBeCloseTo(1e7, 3);
  });

  it('--search grid runs the 7 grid points only', () => {
    expect(probeFitMode({ ...DEFAULT_PROBE_SETTINGS, search: 'grid' }).refineSteps).toBe(0);
    expect(probeFitMode(DEFAULT_PROBE_SETTINGS)).toEqual({ precision: 'auto', search: 'coop', refineSteps: 8 });
  });

  it('precision auto: mixed for draws whose products run on onnxruntime, float64 for smaller ones', () => {
    // quickdraw 4-shot: 1,380 rows × 1,380 (rank ≤ rows) × 345 classes; CIFAR-10 4-shot: 40 × 40 × 10.
    expect(fitPrecision('auto', 1380, 2404, 345)).toBe(ortAvailable() ? 'mixed' : 'float64');
    expect(fitPrecision('auto', 40, 512, 10)).toBe('float64');
    // The rule is the kernel's: n · min(n, d) · K ≥ ORT_MIN_WORK.
    expect(fitPrecision('auto', 160, 512, 10)).toBe(ortAvailable() ? 'mixed' : 'float64');
    expect(fitPrecision('auto', 100, 512, 10)).toBe('float64');
    // The results record states the rule in words (results/ cannot import the kernel's constant): the same threshold.
    expect(AUTO_PRECISION_RULE).toContain(`2^${Math.log2(ORT_MIN_WORK)} multiply-adds`);
    expect(fitPrecision('float64', 1380, 2404, 345)).toBe('float64');
    expect(fitPrecision('mixed', 40, 512, 10)).toBe('mixed');
    expect(fitPrecision(undefined, 1380, 2404, 345)).toBe('float64');
    // A whole seed reports how it ran: 96 rows × 64 × 24 classes is above the threshold, 8 × 8 × 4 is not.
    expect(seedOnThreads(64, 24, 4, 10, {})(1).precision).toBe(ortAvailable() ? 'mixed' : 'float64');
    expect(seedOnThreads(16, 4, 2, 5, {})(1).precision).toBe('float64');
  });
});
