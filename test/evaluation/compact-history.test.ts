import { describe, expect, it } from 'vitest';
import { CompactHistory } from '../../src/evaluation/probe/compact-history.ts';
import { minimizeLbfgs } from '../../src/evaluation/probe/lbfgs.ts';
import { ortAvailable } from '../../src/evaluation/probe/ort-objective.ts';
import { setFloat32ThreadBudget } from '../../src/evaluation/probe/ort-native.ts';
import { Rng } from '../../src/util/rng.ts';

/** Nocedal & Wright Alg. 7.4, written plainly: the two-loop recursion the compact form must equal. */
function twoLoop(g: Float64Array, S: Float64Array[], Y: Float64Array[]): Float64Array {
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  const q = Float64Array.from(g);
  const alpha: number[] = [];
  for (let j = S.length - 1; j >= 0; j--) {
    alpha[j] = dot(S[j], q) / dot(S[j], Y[j]);
    for (let i = 0; i < q.length; i++) q[i] -= alpha[j] * Y[j][i];
  }
  const k = S.length - 1;
  const gamma = dot(S[k], Y[k]) / dot(Y[k], Y[k]);
  for (let i = 0; i < q.length; i++) q[i] *= gamma;
  for (let j = 0; j < S.length; j++) {
    const beta = dot(Y[j], q) / dot(S[j], Y[j]);
    for (let i = 0; i < q.length; i++) q[i] += (alpha[j] - beta) * S[j][i];
  }
  return q.map((v) => -v);
}

describe('compact L-BFGS history (float32, onnxruntime products)', () => {
  it.skipIf(!ortAvailable())('gives the two-loop recursion\'s direction, to float32 rounding, before and after the ring wraps', () => {
    const n = 300;
    const rng = new Rng(7);
    const rand = () => rng.next();
    // Pairs from a convex quadratic: y = A s with A symmetric positive definite (diagonal + rank one).
    const diag = Float64Array.from({ length: n }, () => 0.1 + 10 * rand());
    const u = Float64Array.from({ length: n }, () => rand() - 0.5);
    const applyA = (s: Float64Array) => {
      const us = s.reduce((acc, v, i) => acc + v * u[i], 0);
      return s.map((v, i) => diag[i] * v + 3 * us * u[i]);
    };
    const h = new CompactHistory(n, 5);
    const S: Float64Array[] = [];
    const Y: Float64Array[] = [];
    for (let step = 0; step < 9; step++) {
      const s = Float64Array.from({ length: n }, () => rand() - 0.5);
      const y = applyA(s);
      const sTy = s.reduce((acc, v, i) => acc + v * y[i], 0);
      const yTy = y.reduce((acc, v) => acc + v * v, 0);
      h.push(s, y, sTy, yTy);
      S.push(s);
      Y.push(y);
      const g = Float64Array.from({ length: n }, () => rand() - 0.5);
      const p = new Float64Array(n);
      const gp = h.direction(g, p);
      const ref = twoLoop(g, S.slice(-5), Y.slice(-5));
      const scale = Math.max(...ref.map(Math.abs));
      for (let i = 0; i < n; i++) expect(Math.abs(p[i] - ref[i])).toBeLessThan(1e-4 * scale);
      expect(gp).toBeCloseTo(g.reduce((acc, v, i) => acc + v * p[i], 0), 6);
      expect(h.count).toBe(Math.min(step + 1, 5));
    }
    h.clear();
    const g = Float64Array.from({ length: n }, () => rand());
    const p = new Float64Array(n);
    h.direction(g, p);
    expect(Array.from(p)).toEqual(Array.from(g, (v) => -v));
  });

  it.skipIf(!ortAvailable())('an L-BFGS run with it reaches the same minimiser as with the two-loop recursion', () => {
    const n = 50;
    const rng = new Rng(3);
    const rand = () => rng.next();
    const diag = Float64Array.from({ length: n }, () => 0.01 + 100 * rand() ** 3);
    const b = Float64Array.from({ length: n }, () => rand() - 0.5);
    const f = (x: Float64Array, g: Float64Array) => {
      let v = 0;
      for (let i = 0; i < n; i++) {
        g[i] = diag[i] * x[i] - b[i] + 0.1 * x[i] ** 3;
        v += 0.5 * diag[i] * x[i] ** 2 - b[i] * x[i] + 0.025 * x[i] ** 4;
      }
      return v;
    };
    const plain = minimizeLbfgs(f, new Float64Array(n), { gradTol: 1e-6, ftol: 0 });
    const compact = minimizeLbfgs(f, new Float64Array(n), { gradTol: 1e-6, ftol: 0, compact: new CompactHistory(n) });
    expect(compact.stop).toBe('gtol');
    for (let i = 0; i < n; i++) expect(compact.x[i]).toBeCloseTo(plain.x[i], 5);
    expect(compact.iterations).toBeLessThan(2 * plain.iterations + 5);
  });

  it.skipIf(!ortAvailable())('gives bit-identical directions on 1 and 2 threads (the last fit running gets both cores)', () => {
    const n = 200_003; // odd, and long enough for onnxruntime to split the work
    const rng = new Rng(11);
    const pairs = Array.from({ length: 6 }, () => {
      const s = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const y = s.map((v) => v * (1 + rng.next()));
      return { s, y, sTy: s.reduce((a, v, i) => a + v * y[i], 0), yTy: y.reduce((a, v) => a + v * v, 0) };
    });
    const g = Float64Array.from({ length: n }, () => rng.next() - 0.5);
    const run = (threads: number) => {
      setFloat32ThreadBudget(() => threads);
      try {
        const h = new CompactHistory(n, 4);
        const out: Float64Array[] = [];
        for (const p of pairs) {
          h.push(p.s, p.y, p.sTy, p.yTy);
          const dir = new Float64Array(n);
          h.direction(g, dir);
          out.push(dir);
        }
        return out;
      } finally {
        setFloat32ThreadBudget(null);
      }
    };
    const one = run(1);
    const two = run(2);
    for (let k = 0; k < one.length; k++) expect(Buffer.compare(Buffer.from(one[k].buffer), Buffer.from(two[k].buffer))).toBe(0);
  });
});
