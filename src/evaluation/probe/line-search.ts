/**
 * Strong-Wolfe line search for L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 3.5
 * bracketing + 3.6 zoom, cubic interpolation).
 */
import { dot } from './dense.ts';

/** f(x), writing ∇f(x) into `grad` (as lbfgs.ts's Objective). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

const C1 = 1e-4; // sufficient decrease (Armijo)
const C2 = 0.9; // curvature; 0.9 is the quasi-Newton choice

export interface LineSearchResult {
  ok: boolean;
  f: number;
  evaluations: number;
}

/**
 * Strong-Wolfe line search along p from x. On success the accepted point and its gradient are in
 * xOut / gOut (they always hold the last evaluated point, and acceptance happens right after an
 * evaluation).
 */
export function wolfeLineSearch(
  fg: Objective,
  x: Float64Array,
  f0: number,
  dphi0: number,
  p: Float64Array,
  alphaInit: number,
  xOut: Float64Array,
  gOut: Float64Array,
  maxEvals: number,
): LineSearchResult {
  let evaluations = 0;
  const phi = (alpha: number): { f: number; d: number } => {
    for (let i = 0; i < x.length; i++) xOut[i] = x[i] + alpha * p[i];
    const fv = fg(xOut, gOut);
    evaluations++;
    return { f: fv, d: dot(gOut, p) };
  };

  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dphi0;
  let alpha = alphaInit;
  // Bracketing phase (Alg. 3.5).
  for (let i = 0; evaluations < maxEvals; i++) {
    const cur = phi(alpha);
    if (!Number.isFinite(cur.f)) {
      // Overflow: step back towards the last good point.
      alpha = aPrev + 0.1 * (alpha - aPrev);
      continue;
    }
    if (cur.f > f0 + C1 * alpha * dphi0 || (i > 0 && cur.f >= fPrev)) {
      return zoom(aPrev, fPrev, dPrev, alpha, cur.f, cur.d);
    }
    if (Math.abs(cur.d) <= -C2 * dphi0) return { ok: true, f: cur.f, evaluations };
    if (cur.d >= 0) return zoom(alpha, cur.f, cur.d, aPrev, fPrev, dPrev);
    aPrev = alpha;
    fPrev = cur.f;
    dPrev = cur.d;
    alpha *= 4;
  }
  return { ok: false, f: f0, evaluations };

  // Alg. 3.6: lo satisfies sufficient decrease and has the lower value; the minimiser lies between.
  function zoom(aLo: number, fLo: number, dLo: number, aHi: number, fHi: number, dHi: number): LineSearchResult {
    while (evaluations < maxEvals) {
      const lo = Math.min(aLo, aHi);
      const hi = Math.max(aLo, aHi);
      const width = hi - lo;
      let a = cubicMinimizer(aLo, fLo, dLo, aHi, fHi, dHi);
      // Safeguard: keep the trial well inside the bracket.
      if (!Number.isFinite(a) || a < lo + 0.1 * width || a > hi - 0.1 * width) a = lo + 0.5 * width;
      if (width <= 1e-16 * Math.max(1, hi)) break;
      const cur = phi(a);
      if (!Number.isFinite(cur.f) || cur.f > f0 + C1 * a * dphi0 || cur.f >= fLo) {
        aHi = a;
        fHi = Number.isFinite(cur.f) ? cur.f : Infinity;
        dHi = Number.isFinite(cur.d) ? cur.d : 0;
      } else {
        if (Math.abs(cur.d) <= -C2 * dphi0) return { ok: true, f: cur.f, evaluations };
        if (cur.d * (aHi - aLo) >= 0) {
          aHi = aLo;
          fHi = fLo;
          dHi = dLo;
        }
        aLo = a;
        fLo = cur.f;
        dLo = cur.d;
      }
    }
    // Out of evaluations: accept the best Armijo point found if it improves on f0 (scipy would
    // also stop here; taking the decrease is strictly better than discarding it).
    if (aLo > 0 && fLo < f0) {
      const cur = phi(aLo);
      return { ok: true, f: cur.f, evaluations };
    }
    return { ok: false, f: f0, evaluations };
  }
}

/** Minimiser of the cubic interpolating (a, fa, da) and (b, fb, db); NaN when it has none. */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  if (!Number.isFinite(fb)) return NaN;
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}
