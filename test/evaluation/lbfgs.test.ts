import { describe, expect, it } from 'vitest';
import { minimizeLbfgs } from '../../src/evaluation/probe/lbfgs.ts';

describe('L-BFGS', () => {
  it('finds the minimiser of an ill-conditioned quadratic, A⁻¹b', () => {
    // f = ½ xᵀAx − bᵀx with A = diag(1, 10, 100, 1000) plus a coupling between x0 and x1.
    const A = [
      [1, 0.5, 0, 0],
      [0.5, 10, 0, 0],
      [0, 0, 100, 0],
      [0, 0, 0, 1000],
    ];
    const b = [1, 2, 3, 4];
    const f = (x: Float64Array, g: Float64Array): number => {
      let v = 0;
      for (let i = 0; i < 4; i++) {
        let ax = 0;
        for (let j = 0; j < 4; j++) ax += A[i][j] * x[j];
        g[i] = ax - b[i];
        v += 0.5 * x[i] * ax - b[i] * x[i];
      }
      return v;
    };
    const res = minimizeLbfgs(f, new Float64Array(4), { gradTol: 1e-10, ftol: 0 });
    expect(res.stop).toBe('gtol');
    // Solve the 2×2 block by hand: det = 9.75.
    expect(res.x[0]).toBeCloseTo((10 * 1 - 0.5 * 2) / 9.75, 8);
    expect(res.x[1]).toBeCloseTo((1 * 2 - 0.5 * 1) / 9.75, 8);
    expect(res.x[2]).toBeCloseTo(0.03, 8);
    expect(res.x[3]).toBeCloseTo(0.004, 8);
  });

  it('reaches the Rosenbrock minimum (1, 1) from (−1.2, 1)', () => {
    const f = (x: Float64Array, g: Float64Array): number => {
      const [a, b] = [x[0], x[1]];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const res = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { gradTol: 1e-9, ftol: 0 });
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
    expect(res.iterations).toBeLessThan(100);
  });

  it('stops at maxIter and says so', () => {
    const f = (x: Float64Array, g: Float64Array): number => {
      const [a, b] = [x[0], x[1]];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const res = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { maxIter: 3, gradTol: 1e-12, ftol: 0 });
    expect(res.iterations).toBe(3);
    expect(res.stop).toBe('maxIter');
    expect(res.converged).toBe(false);
  });

  it('returns at once when the start already satisfies the gradient tolerance', () => {
    const f = (x: Float64Array, g: Float64Array): number => {
      g[0] = 2 * x[0];
      return x[0] * x[0];
    };
    const res = minimizeLbfgs(f, Float64Array.from([0]));
    expect(res.iterations).toBe(0);
    expect(res.evaluations).toBe(1);
  });
});
