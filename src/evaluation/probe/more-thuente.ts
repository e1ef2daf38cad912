/**
 * The line search scipy's L-BFGS-B runs (and so scikit-learn's `lbfgs` solver): Moré & Thuente,
 * "Line search algorithms with guaranteed sufficient decrease", ACM TOMS 20(3), 1994, as MINPACK-2's
 * `dcsrch`/`dcstep` implement it, with L-BFGS-B's parameters (`lnsrlb`: ftol 1e-3, gtol 0.9, xtol 0.1,
 * stpmin 0, stpmax 1e10). Using the same search as the reference makes our iterates follow scipy's up to
 * rounding, so that where a flat objective lets the stopping rule end a fit early, it ends where sklearn's
 * does (issue 18; the earlier Nocedal–Wright search stopped elsewhere at large C).
 */
import { dot } from './dense.ts';
import type { LineSearchResult, Objective } from './line-search.ts';

const FTOL = 1e-3;
const GTOL = 0.9;
const XTOL = 0.1;
const STPMAX = 1e10;
const XTRAPL = 1.1;
const XTRAPU = 4;

/** The search's state between evaluations: the interval [stx, sty] with f and f′ at both ends. */
interface Bracket {
  stx: number;
  fx: number;
  gx: number;
  sty: number;
  fy: number;
  gy: number;
  brackt: boolean;
}

/**
 * Moré–Thuente search along p from x (f0 = f(x), dphi0 = ∇f(x)ᵀp < 0), first trial step `stp`. The
 * accepted point and its gradient are left in xOut / gOut. Stops, like `dcsrch`, at CONVERGENCE (strong
 * Wolfe with ftol/gtol) or at one of its warnings (rounding errors, xtol), accepting the last point; fails
 * after `maxEvals` evaluations (L-BFGS-B's maxls), leaving the caller to restart.
 */
export function moreThuenteLineSearch(
  fg: Objective,
  x: Float64Array,
  f0: number,
  dphi0: number,
  p: Float64Array,
  stpInit: number,
  xOut: Float64Array,
  gOut: Float64Array,
  maxEvals: number,
): LineSearchResult {
  const n = x.length;
  const gtest = FTOL * dphi0;
  let width = STPMAX;
  let width1 = 2 * width;
  const b: Bracket = { stx: 0, fx: f0, gx: dphi0, sty: 0, fy: f0, gy: dphi0, brackt: false };
  let stmin = 0;
  let stmax = stpInit + XTRAPU * stpInit;
  let stp = stpInit;
  let stage = 1;
  for (let evaluations = 1; evaluations <= maxEvals; evaluations++) {
    for (let i = 0; i < n; i++) xOut[i] = x[i] + stp * p[i];
    const f = fg(xOut, gOut);
    const g = dot(gOut, p);
    if (!Number.isFinite(f)) return { ok: false, f: f0, evaluations };
    const ftest = f0 + stp * gtest;
    if (stage === 1 && f <= ftest && g >= 0) stage = 2;
    // dcsrch's warnings end the search at the point just evaluated, as its convergence does.
    if (b.brackt && (stp <= stmin || stp >= stmax)) return { ok: true, f, evaluations };
    if (b.brackt && stmax - stmin <= XTOL * stmax) return { ok: true, f, evaluations };
    if (stp === STPMAX && f <= ftest && g <= gtest) return { ok: true, f, evaluations };
    if (stp === 0 && (f > ftest || g >= gtest)) return { ok: true, f, evaluations };
    if (f <= ftest && Math.abs(g) <= GTOL * -dphi0) return { ok: true, f, evaluations };

    if (stage === 1 && f <= b.fx && f > ftest) {
      // The modified function ψ(α) = φ(α) − α·ftol·φ′(0) until a step with sufficient decrease is seen.
      const m: Bracket = { ...b, fx: b.fx - b.stx * gtest, fy: b.fy - b.sty * gtest, gx: b.gx - gtest, gy: b.gy - gtest };
      stp = dcstep(m, stp, f - stp * gtest, g - gtest, stmin, stmax);
      Object.assign(b, m, { fx: m.fx + m.stx * gtest, fy: m.fy + m.sty * gtest, gx: m.gx + gtest, gy: m.gy + gtest });
    } else {
      stp = dcstep(b, stp, f, g, stmin, stmax);
    }
    if (b.brackt) {
      // Bisect when the interval did not shrink enough over two steps.
      if (Math.abs(b.sty - b.stx) >= 0.66 * width1) stp = b.stx + 0.5 * (b.sty - b.stx);
      width1 = width;
      width = Math.abs(b.sty - b.stx);
      stmin = Math.min(b.stx, b.sty);
      stmax = Math.max(b.stx, b.sty);
    } else {
      stmin = stp + XTRAPL * (stp - b.stx);
      stmax = stp + XTRAPU * (stp - b.stx);
    }
    stp = Math.min(Math.max(stp, 0), STPMAX);
    // No further progress possible: try the best point so far (the next evaluation then ends the search).
    if ((b.brackt && (stp <= stmin || stp >= stmax)) || (b.brackt && stmax - stmin <= XTOL * stmax)) stp = b.stx;
  }
  return { ok: false, f: f0, evaluations: maxEvals };
}

/**
 * One safeguarded step (MINPACK-2 `dcstep`): updates the interval in `b` with the trial (stp, fp, dp)
 * and returns the next trial step, by cubic and quadratic interpolation in the four cases of Moré &
 * Thuente §4.
 */
export function dcstep(b: Bracket, stp: number, fp: number, dp: number, stpmin: number, stpmax: number): number {
  const { stx, fx, gx: dx, sty, fy, gy: dy } = b;
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // Case 1: a higher value; the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const r = (gamma - dx + theta) / (gamma - dx + gamma + dp);
    const stpc = stx + r * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    b.brackt = true;
  } else if (sgnd < 0) {
    // Case 2: a lower value and derivatives of opposite sign; bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const r = (gamma - dp + theta) / (gamma - dp + gamma + dx);
    const stpc = stp + r * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    b.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Case 3: a lower value, same sign, the derivative's magnitude decreases.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const r = (gamma - dp + theta) / (gamma + (dx - dp) + gamma);
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (b.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (b.brackt) {
    // Case 4: a lower value, same sign, the derivative does not decrease; interpolate towards sty.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const r = (gamma - dp + theta) / (gamma - dp + gamma + dy);
    stpf = stp + r * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }
  // The new interval.
  if (fp > fx) {
    b.sty = stp;
    b.fy = fp;
    b.gy = dp;
  } else {
    if (sgnd < 0) {
      b.sty = stx;
      b.fy = fx;
      b.gy = dx;
    }
    b.stx = stp;
    b.fx = fp;
    b.gx = dp;
  }
  return stpf;
}
