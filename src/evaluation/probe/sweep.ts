import type { LinearProbe, LinearWeights, ProbeFactory } from './types.ts';

/** Features [n, d] row-major with their labels. */
export interface ProbeData {
  X: Float32Array;
  y: Int32Array;
  n: number;
}

/** CoOp lpclip's coarse grid (CLIP A.3 sweeps 1e-6 … 1e6). */
export const COOP_C_GRID: readonly number[] = [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6];

export interface SweepOptions {
  d: number;
  numClasses: number;
  makeProbe: ProbeFactory;
  /** Coarse grid; on equal validation accuracy the earlier entry wins (np.argmax). Default COOP_C_GRID. */
  grid?: readonly number[];
  /** Binary-search refinement steps. Default 8. */
  steps?: number;
  /**
   * Start each fit from the C's already fitted (default false, like sklearn and CoOp): a C between two of
   * them from their weights interpolated linearly in log C (`startingWeights`), else the nearest one's. Faster
   * but not neutral: at large C the objective is so flat that gtol = 1e-4 stops far
   * from the optimum, so the answer depends on the starting point; cold starts keep parity with sklearn.
   */
  warmStart?: boolean;
  /** Called before each distinct fit (progress reporting). */
  onFit?: (fit: { C: number; index: number }) => void;
}

export interface SweepPoint {
  C: number;
  valAccuracy: number;
  phase: 'grid' | 'search';
  /** Refinement step (0-based) for 'search' points. */
  step?: number;
}

export interface SweepResult {
  /** The chosen C. */
  C: number;
  valAccuracy: number;
  /** Every C scored, in the order the protocol scores them (repeats included, not refitted). */
  trace: SweepPoint[];
  /** Distinct fits made. */
  fits: number;
  /** The probe fitted on train at the chosen C (warm start for the train+val refit). */
  probe: LinearProbe;
}

/**
 * Choose C on a validation split: CLIP A.3 / CoOp lpclip (`lpclip/linear_probe.py`).
 * 1. Score every grid C by validation accuracy; take the best (ties: the first in grid order).
 * 2. Binary search in log10 space on [peak/10, peak·10]: fit both ends; if the right end is strictly
 *    better it is chosen and the interval becomes [mid, right], otherwise the left end is chosen and the
 *    interval becomes [left, mid]; `steps` times. The C chosen at the last step is the answer (as in
 *    CoOp, even if an earlier point scored higher).
 * Fits are memoised by C, so a C revisited by the search is not refitted. The caller then refits on
 * train + val at the chosen C (CLIP A.3) — see `concatProbeData`.
 */
export function sweepC(train: ProbeData, val: ProbeData, opts: SweepOptions): SweepResult {
  const { d, numClasses, makeProbe } = opts;
  const grid = opts.grid ?? COOP_C_GRID;
  const steps = opts.steps ?? 8;
  const warmStart = opts.warmStart ?? false;
  if (grid.length === 0) throw new Error('sweepC: empty C grid');
  if (val.n === 0) throw new Error('sweepC: the validation split is empty, so C cannot be chosen (draw at least one val example per class)');

  const fitted = new Map<string, { logC: number; acc: number; probe: LinearProbe }>();
  const trace: SweepPoint[] = [];

  const score = (logC: number): { acc: number; probe: LinearProbe } => {
    const key = logC.toFixed(9);
    let hit = fitted.get(key);
    if (!hit) {
      const C = 10 ** logC;
      opts.onFit?.({ C, index: fitted.size });
      const probe = makeProbe(C, warmStart ? startingWeights(fitted, logC) : undefined);
      probe.fit(train.X, train.y, train.n, d, numClasses);
      hit = { logC, acc: accuracy(probe.predict(val.X, val.n), val.y), probe };
      fitted.set(key, hit);
    }
    return hit;
  };

  // Coarse grid, fitted from strong to weak regularisation so each warm start is a small step, but
  // ranked in the grid's own order.
  const logGrid = grid.map((C) => Math.log10(C));
  for (const logC of [...logGrid].sort((a, b) => a - b)) score(logC);
  let peak = 0;
  for (let i = 0; i < logGrid.length; i++) {
    const acc = score(logGrid[i]).acc;
    trace.push({ C: grid[i], valAccuracy: acc, phase: 'grid' });
    if (acc > score(logGrid[peak]).acc) peak = i;
  }

  let chosen = logGrid[peak];
  let lo = chosen - 1;
  let hi = chosen + 1;
  for (let step = 0; step < steps; step++) {
    const left = score(lo);
    const right = score(hi);
    trace.push({ C: 10 ** lo, valAccuracy: left.acc, phase: 'search', step });
    trace.push({ C: 10 ** hi, valAccuracy: right.acc, phase: 'search', step });
    const mid = 0.5 * (lo + hi);
    if (left.acc < right.acc) {
      chosen = hi;
      lo = mid;
    } else {
      chosen = lo;
      hi = mid;
    }
  }
  const best = score(chosen);
  return { C: 10 ** chosen, valAccuracy: best.acc, trace, fits: fitted.size, probe: best.probe };
}

/** Rows of a then b (for the train + val refit). */
export function concatProbeData(a: ProbeData, b: ProbeData, d: number): ProbeData {
  const X = new Float32Array((a.n + b.n) * d);
  X.set(a.X.subarray(0, a.n * d), 0);
  X.set(b.X.subarray(0, b.n * d), a.n * d);
  const y = new Int32Array(a.n + b.n);
  y.set(a.y.subarray(0, a.n), 0);
  y.set(b.y.subarray(0, b.n), a.n);
  return { X, y, n: a.n + b.n };
}

/** Gather rows `idx` of a pool [N, d] (e.g. a k-shot draw). */
export function selectRows(X: Float32Array, y: Int32Array, d: number, idx: Int32Array): ProbeData {
  const out = new Float32Array(idx.length * d);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    out.set(X.subarray(r * d, (r + 1) * d), i * d);
    labels[i] = y[r];
  }
  return { X: out, y: labels, n: idx.length };
}

/**
 * A warm start for a fit at logC from the fits made so far. Between two fitted C's (every bisection step):
 * their weights interpolated linearly in log C, the secant of the solution path, which is smooth in log C
 * (quickdraw 4-shot seed 0: its 8 bisection fits then take 348 L-BFGS iterations in all instead of 893,
 * and the last three start within sklearn's tolerance). Beyond the fitted range (the coarse grid,
 * fitted from strong to weak regularisation): the nearest fit's weights. Extrapolating there was tried
 * and rejected: at C ≥ 1e5 the flat objective stops where it starts, and seed 0's search chose another C.
 */
function startingWeights(fitted: Map<string, { logC: number; probe: LinearProbe }>, logC: number): LinearWeights | undefined {
  let below: { logC: number; probe: LinearProbe } | undefined;
  let above: { logC: number; probe: LinearProbe } | undefined;
  for (const f of fitted.values()) {
    if (!f.probe.weights) continue;
    if (f.logC <= logC && (!below || f.logC > below.logC)) below = f;
    if (f.logC >= logC && (!above || f.logC < above.logC)) above = f;
  }
  if (!below || !above) return (below ?? above)?.probe.weights!();
  if (below === above) return below.probe.weights!();
  const t = (logC - below.logC) / (above.logC - below.logC);
  const a = below.probe.weights!();
  const b = above.probe.weights!();
  // −Infinity intercepts (classes absent from the training rows) are the same in both and stay.
  const lerp = (x: Float64Array, y: Float64Array) => Float64Array.from(x, (v, i) => (Number.isFinite(v) ? v + t * (y[i] - v) : v));
  return { numClasses: a.numClasses, numFeatures: a.numFeatures, coef: lerp(a.coef, b.coef), intercept: lerp(a.intercept, b.intercept) };
}

function accuracy(pred: Int32Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}
