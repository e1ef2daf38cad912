/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop
 * recursion) with a strong-Wolfe line search (Alg. 3.5 bracketing + 3.6 zoom, cubic interpolation).
 *
 * Stopping follows scipy's L-BFGS-B as sklearn calls it: max |gradient| ≤ gradTol ("pgtol"), or a
 * relative objective decrease ≤ ftol (scipy's factr·eps = 1e7·2.2e-16), or maxIter iterations.
 */
import { dot } from './dense.ts';
import { wolfeLineSearch } from './line-search.ts';
import { moreThuenteLineSearch } from './more-thuente.ts';
import type { CompactHistory } from './compact-history.ts';

export { dot } from './dense.ts';

/** f(x), writing ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Iterations (not evaluations), like scipy's `maxiter`. Default 1000. */
  maxIter?: number;
  /** History pairs kept. Default 10 (scipy's `maxcor`). */
  memory?: number;
  /** Converged when max |∇f| ≤ gradTol. Default 1e-4 (sklearn's `tol`). */
  gradTol?: number;
  /** Converged when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol. Default 2.220446e-9 (scipy). */
  ftol?: number;
  /** Function evaluations allowed per line search. Default 20 (scipy's `maxls`). */
  maxLineSearch?: number;
  /**
   * 'more-thuente' (default): scipy L-BFGS-B's search and step rules (MINPACK-2 dcsrch, first step
   * 1/‖d‖ on the first iteration only, a failed search restarts from steepest descent with the history
   * cleared), so the iterates follow sklearn's. 'nocedal-wright': the strong-Wolfe bracketing/zoom search
   * (Armijo 1e-4) with a unit-length first step whenever the history is empty; a failed search stops.
   */
  lineSearch?: 'more-thuente' | 'nocedal-wright';
  /** Stop (stop = 'lineSearch') instead of L-BFGS-B's restart when a search fails, e.g. to hand over to another phase. */
  stopOnFailedSearch?: boolean;
  /**
   * Replaces the max |∇f| ≤ gradTol test, e.g. when x lives in a rotated basis and the test must be
   * made in the original coordinates. Receives the current gradient.
   */
  gradientConverged?: (grad: Float64Array) => boolean;
  /** Called after every iteration (progress reporting); must not touch x. */
  onIteration?: (iteration: number, f: number) => void;
  /**
   * Curvature pairs to start from (the `history` of an earlier run on the same variables, e.g. a float32
   * phase before its float64 polish): the polish then continues quasi-Newton steps instead of
   * restarting with a steepest-descent step and a fresh line-search bracket.
   */
  history?: LbfgsHistory;
  /**
   * Keep the pairs here (float32, compact representation, see compact-history.ts) instead of the float64
   * two-loop recursion: about 3× cheaper per iteration at 476k parameters (mixed-precision fits, both
   * phases: pass the same object to the polish to continue with its pairs). Not with `history`.
   */
  compact?: CompactHistory;
}

/** The stored (s, y) pairs, newest last. */
export interface LbfgsHistory {
  S: Float64Array[];
  Y: Float64Array[];
}

export type LbfgsStop = 'gtol' | 'ftol' | 'maxIter' | 'lineSearch';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  stop: LbfgsStop;
  /** The pairs held at the end (empty with `compact`: they stay in it). */
  history: LbfgsHistory;
}

export function minimizeLbfgs(fg: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 1000;
  const m = options.memory ?? 10;
  const gradTol = options.gradTol ?? 1e-4;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const maxLs = options.maxLineSearch ?? 20;
  const scipyRules = (options.lineSearch ?? 'more-thuente') === 'more-thuente';
  const search = scipyRules ? moreThuenteLineSearch : wolfeLineSearch;
  const converged = options.gradientConverged ?? ((g: Float64Array) => maxAbs(g) <= gradTol);
  const n = x0.length;

  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let xt = new Float64Array(n);
  let gt = new Float64Array(n);
  const p = new Float64Array(n);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alphaBuf = new Float64Array(m);
  let sNew: Float64Array = new Float64Array(n);
  let yNew: Float64Array = new Float64Array(n);
  let head = 0; // ring-buffer slot for the next pair
  let count = 0;

  // sᵀy and yᵀy of each stored pair (the newest pair's ratio scales the initial Hessian).
  const sy = new Float64Array(m);
  const yy = new Float64Array(m);
  // A compact history is used as given: fresh for a new fit, or still holding the pairs of an earlier
  // phase on the same variables (as `history` does for the two-loop recursion).
  const compact = options.compact;
  if (compact && options.history?.S.length) throw new Error('L-BFGS: give earlier pairs either as `history` or inside `compact`, not both');
  const startedWithPairs = (options.history?.S.length ?? 0) > 0 || (compact?.count ?? 0) > 0;
  const history = (): LbfgsHistory => {
    if (compact) return { S: [], Y: [] };
    const order = Array.from({ length: count }, (_, j) => (head - count + j + m) % m);
    return { S: order.map((i) => S[i]), Y: order.map((i) => Y[i]) };
  };
  for (const [j, sj] of (options.history?.S ?? []).slice(-m).entries()) {
    const yj = options.history!.Y[options.history!.Y.length - Math.min(m, options.history!.S.length) + j];
    if (sj.length !== n || yj.length !== n) throw new Error('L-BFGS: history has the wrong length');
    const sTy = dot(sj, yj);
    const yTy = dot(yj, yj);
    if (!(sTy > 2.220446049250313e-16 * yTy)) continue;
    S.push(sj);
    Y.push(yj);
    rho.push(1 / sTy);
    sy[count] = sTy;
    yy[count] = yTy;
    count++;
    head = count % m;
  }

  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f)) throw new Error(`L-BFGS: objective is ${f} at the starting point`);
  if (converged(g)) return { x, f, grad: g, iterations: 0, evaluations, converged: true, stop: 'gtol', history: history() };

  let iterations = 0;
  let stop: LbfgsStop = 'maxIter';
  while (iterations < maxIter) {
    let dphi0: number; // gᵀp
    if (compact) dphi0 = compact.direction(g, p);
    else {
      // Two-loop recursion: p = −H·g. Each update of p is fused with the next dot product that reads it
      // (one pass over the parameters instead of two; the same operations in the same order).
      const slotOf = (j: number) => (head - 1 - j + m) % m;
      // With no history p = −g, and the dot that follows is gᵀp itself.
      let next = scaleDot(p, -1, g, count > 0 ? S[slotOf(0)] : g);
      for (let j = 0; j < count; j++) {
        const slot = slotOf(j);
        const a = rho[slot] * next;
        alphaBuf[slot] = a;
        next = axpyDot(p, -a, Y[slot], j + 1 < count ? S[slotOf(j + 1)] : null);
      }
      if (count > 0) {
        const last = slotOf(0);
        next = scaleDot(p, sy[last] / yy[last], p, Y[slotOf(count - 1)]);
      }
      for (let j = count - 1; j >= 0; j--) {
        const slot = slotOf(j);
        const b = rho[slot] * next;
        next = axpyDot(p, alphaBuf[slot] - b, S[slot], j > 0 ? Y[slotOf(j - 1)] : g);
      }
      dphi0 = next;
    }
    if (!(dphi0 < 0)) {
      // Not a descent direction (numerical trouble): forget the history and use steepest descent.
      count = 0;
      compact?.clear();
      for (let i = 0; i < n; i++) p[i] = -g[i];
      dphi0 = dot(g, p);
    }
    // The first trial step: scipy L-BFGS-B takes min(1/‖d‖, 1e10) on its first iteration and 1 after.
    const unitLength = scipyRules ? iterations === 0 && !startedWithPairs : count === 0;
    const alpha0 = unitLength ? Math.min(1 / Math.sqrt(dot(p, p)), 1e10) : 1;

    const ls = search(fg, x, f, dphi0, p, alpha0, xt, gt, maxLs);
    evaluations += ls.evaluations;
    if (!ls.ok) {
      // L-BFGS-B: with curvature pairs, clear them and retry from the same point; without, give up.
      if (scipyRules && (compact ? compact.count : count) > 0 && !options.stopOnFailedSearch) {
        count = 0;
        head = 0;
        compact?.clear();
        continue;
      }
      stop = 'lineSearch';
      break;
    }

    // Store the new (s, y) pair when sᵀy > eps·yᵀy keeps H positive definite (L-BFGS-B's test). It is
    // built in spare buffers and swapped into the ring only when accepted: with a full history the slot it
    // goes to still holds the oldest pair, which a rejected pair must not overwrite.
    if (compact) {
      // The same test on the same pair, summed in one pass; the pair is kept in float32.
      let sTy = 0;
      let yTy = 0;
      for (let i = 0; i < n; i++) {
        const si = (sNew[i] = xt[i] - x[i]);
        const yi = (yNew[i] = gt[i] - g[i]);
        sTy += si * yi;
        yTy += yi * yi;
      }
      if (sTy > 2.220446049250313e-16 * yTy) compact.push(sNew, yNew, sTy, yTy);
    } else {
      if (S.length < m) {
        S.push(new Float64Array(n));
        Y.push(new Float64Array(n));
        rho.push(0);
      }
      const s = sNew;
      const y = yNew;
      for (let i = 0; i < n; i++) {
        s[i] = xt[i] - x[i];
        y[i] = gt[i] - g[i];
      }
      const sTy = dot(s, y);
      const yTy = dot(y, y);
      if (sTy > 2.220446049250313e-16 * yTy) {
        [S[head], sNew] = [sNew, S[head]];
        [Y[head], yNew] = [yNew, Y[head]];
        rho[head] = 1 / sTy;
        sy[head] = sTy;
        yy[head] = yTy;
        head = (head + 1) % m;
        count = Math.min(count + 1, m);
      }
    }

    const fOld = f;
    [x, xt] = [xt, x];
    [g, gt] = [gt, g];
    f = ls.f;
    iterations++;
    options.onIteration?.(iterations, f);
    if (converged(g)) {
      stop = 'gtol';
      break;
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      stop = 'ftol';
      break;
    }
  }
  return { x, f, grad: g, iterations, evaluations, converged: stop === 'gtol' || stop === 'ftol', stop, history: history() };
}


/** p += a·x, then dot(next, p) summed as `dot` sums (0 when next is null). */
function axpyDot(p: Float64Array, a: number, x: Float64Array, next: Float64Array | null): number {
  const n = p.length;
  if (!next) {
    for (let i = 0; i < n; i++) p[i] += a * x[i];
    return 0;
  }
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v0 = (p[i] += a * x[i]);
    const v1 = (p[i + 1] += a * x[i + 1]);
    s0 += next[i] * v0;
    s1 += next[i + 1] * v1;
  }
  if (i < n) s0 += next[i] * (p[i] += a * x[i]);
  return s0 + s1;
}

/** p = c·src (src may be p itself), then dot(next, p). c = −1 negates exactly. */
function scaleDot(p: Float64Array, c: number, src: Float64Array, next: Float64Array): number {
  const n = p.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v0 = (p[i] = c * src[i]);
    const v1 = (p[i + 1] = c * src[i + 1]);
    s0 += next[i] * v0;
    s1 += next[i + 1] * v1;
  }
  if (i < n) s0 += next[i] * (p[i] = c * src[i]);
  return s0 + s1;
}

export function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > m) m = a;
  }
  return m;
}
