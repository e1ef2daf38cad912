import { describe, expect, it } from 'vitest';
import { LogisticRegressionProbe } from '../../src/evaluation/probe/logistic-regression.ts';
import { COOP_C_GRID, concatProbeData, sweepC, type ProbeData } from '../../src/evaluation/probe/sweep.ts';
import type { LinearProbe } from '../../src/evaluation/probe/types.ts';
import { Rng } from '../../src/util/rng.ts';

/** A stand-in probe whose validation accuracy is a known function of log10 C: 0.9 − 0.3·|log C − 0.37|. */
const PEAK = 0.37;
const NVAL = 100_000;
const valAccuracyAt = (logC: number) => Math.round(NVAL * (0.9 - 0.3 * Math.abs(logC - PEAK))) / NVAL;
class FakeProbe implements LinearProbe {
  constructor(private readonly C: number) {}
  fit(): this {
    return this;
  }
  decisionFunction(): Float32Array {
    return new Float32Array(0);
  }
  predictProba(): Float32Array {
    return new Float32Array(0);
  }
  predict(_X: Float32Array, n: number): Int32Array {
    const correct = Math.round(n * valAccuracyAt(Math.log10(this.C)));
    return Int32Array.from({ length: n }, (_, i) => (i < correct ? 0 : 1));
  }
}
const fakeVal: ProbeData = { X: new Float32Array(NVAL), y: new Int32Array(NVAL), n: NVAL };
const fakeTrain: ProbeData = { X: new Float32Array(1), y: new Int32Array(1), n: 1 };

function clusters(seed: number, perClass: number, d: number, K: number, spread: number): ProbeData {
  const rng = new Rng(seed);
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal()));
  const n = perClass * K;
  const X = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % K;
    for (let j = 0; j < d; j++) X[i * d + j] = means[y[i]][j] + spread * rng.normal();
  }
  return { X, y, n };
}

describe('sweepC (CoOp lpclip)', () => {
  it('picks the same C as a brute-force search over every C the binary search can return', () => {
    const res = sweepC(fakeTrain, fakeVal, { d: 1, numClasses: 2, makeProbe: (C) => new FakeProbe(C) });
    // The coarse peak is C = 1; 8 halvings of [−1, 1] end on the lattice −1 + j/64.
    let best = -Infinity;
    let bestLog = NaN;
    for (let j = 0; j <= 128; j++) {
      const logC = -1 + j / 64;
      if (valAccuracyAt(logC) > best) [best, bestLog] = [valAccuracyAt(logC), logC];
    }
    expect(Math.log10(res.C)).toBeCloseTo(bestLog, 9);
    expect(res.valAccuracy).toBe(best);
    expect(res.trace.filter((p) => p.phase === 'grid').map((p) => p.C)).toEqual([...COOP_C_GRID]);
    expect(res.trace.filter((p) => p.phase === 'search').length).toBe(16);
  });

  it('with no refinement steps, picks the best coarse-grid C exactly as fitting each C does', () => {
    // One draw of noisy clusters: the first 24 rows train, the other 100 validate.
    const pool = clusters(1, 31, 20, 4, 2.5);
    const tr: ProbeData = { X: pool.X.subarray(0, 24 * 20), y: pool.y.subarray(0, 24), n: 24 };
    const va: ProbeData = { X: pool.X.subarray(24 * 20), y: pool.y.subarray(24), n: pool.n - 24 };
    const grid = [1e2, 1, 1e-2, 1e-4];
    const res = sweepC(tr, va, { d: 20, numClasses: 4, grid, steps: 0, warmStart: false, makeProbe: (C) => new LogisticRegressionProbe({ C }) });
    const accs = grid.map((C) => {
      const pred = new LogisticRegressionProbe({ C }).fit(tr.X, tr.y, tr.n, 20, 4).predict(va.X, va.n);
      return pred.filter((p, i) => p === va.y[i]).length / va.n;
    });
    const bestIdx = accs.indexOf(Math.max(...accs));
    expect(res.C).toBeCloseTo(grid[bestIdx], 9);
    expect(res.trace.map((p) => p.valAccuracy)).toEqual(accs);
  });

  it('does not refit a C the search revisits', () => {
    let fits = 0;
    const res = sweepC(fakeTrain, fakeVal, {
      d: 1,
      numClasses: 2,
      makeProbe: (C) => {
        fits++;
        return new FakeProbe(C);
      },
    });
    expect(res.fits).toBe(fits);
    expect(fits).toBeLessThan(7 + 16);
  });

  it('warm starts: the grid from the nearest C fitted, each bisection fit from its neighbours interpolated in log C', () => {
    // A probe whose "weights" are a known function of log C (w = [logC, 2·logC], b = [−Inf, logC²]), so every
    // start can be checked against the rule.
    class PathProbe extends FakeProbe {
      constructor(private readonly logC: number) {
        super(10 ** logC);
      }
      weights() {
        return { numClasses: 2, numFeatures: 1, coef: Float64Array.from([this.logC, 2 * this.logC]), intercept: Float64Array.from([-Infinity, this.logC ** 2]) };
      }
    }
    const starts: { logC: number; init?: { coef: Float64Array; intercept: Float64Array } }[] = [];
    const order: number[] = [];
    sweepC(fakeTrain, fakeVal, {
      d: 1,
      numClasses: 2,
      warmStart: true,
      makeProbe: (C, init) => {
        const logC = Math.log10(C);
        starts.push({ logC, init });
        order.push(logC);
        return new PathProbe(logC);
      },
    });
    expect(starts[0].init).toBeUndefined();
    let interpolated = 0;
    for (const [i, { logC, init }] of starts.entries()) {
      if (i === 0) continue;
      const before = order.slice(0, i);
      const below = Math.max(...before.filter((l) => l <= logC));
      const above = Math.min(...before.filter((l) => l >= logC));
      if (Number.isFinite(below) && Number.isFinite(above)) {
        // The secant between the neighbours: for weights linear in log C it is exact.
        interpolated++;
        expect(init!.coef[0]).toBeCloseTo(logC, 12);
        expect(init!.coef[1]).toBeCloseTo(2 * logC, 12);
        const t = (logC - below) / (above - below);
        expect(init!.intercept[1]).toBeCloseTo(below ** 2 + t * (above ** 2 - below ** 2), 12);
      } else {
        const nearest = Number.isFinite(below) ? below : above;
        expect(init!.coef[0]).toBe(nearest);
      }
      expect(init!.intercept[0]).toBe(-Infinity);
    }
    expect(interpolated).toBeGreaterThanOrEqual(8);
  });

  it('refuses to choose C without validation examples', () => {
    const empty: ProbeData = { X: new Float32Array(0), y: new Int32Array(0), n: 0 };
    expect(() => sweepC(fakeTrain, empty, { d: 1, numClasses: 2, makeProbe: (C) => new FakeProbe(C) })).toThrow(/validation split is empty/);
  });

  it('concatenates train and val for the refit', () => {
    const a: ProbeData = { X: Float32Array.from([1, 2]), y: Int32Array.from([0]), n: 1 };
    const b: ProbeData = { X: Float32Array.from([3, 4, 5, 6]), y: Int32Array.from([1, 1]), n: 2 };
    const c = concatProbeData(a, b, 2);
    expect(Array.from(c.X)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(c.y)).toEqual([0, 1, 1]);
    expect(c.n).toBe(3);
  });
});
