import { breakEven } from './statistics.ts';

/** One point of the probe curve: k shots (or 'all' placed at its mean examples per class) and mean top-1. */
export interface ProbeCurvePoint {
  shots: number | 'all';
  /** For 'all': mean training examples per class, where the point sits on the shots axis. */
  effectiveShots?: number;
  top1: number;
}

export interface ProbeBreakEven {
  shots: number | null;
  /** Set whenever the number needs words: a bound rather than a crossing, or a crossing that uses the full-data point. */
  note?: string;
}

const per = (n: number) => `≈ ${n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} examples per class`;

/**
 * Where the mean probe curve reaches zero-shot top-1 (CLIP Fig. 7: log-interpolated shots). The
 * full-data probe ('all') joins the curve at its mean training examples per class, so `--shots all`
 * alone, or a curve that only crosses after the largest k, still gives an answer.
 */
export function probeBreakEven(points: ProbeCurvePoint[], zeroShotTop1: number): ProbeBreakEven {
  const numeric = points.filter((p) => p.shots !== 'all').sort((a, b) => (a.shots as number) - (b.shots as number));
  const maxK = numeric.length ? (numeric[numeric.length - 1].shots as number) : 0;
  const all = points.find((p) => p.shots === 'all' && p.effectiveShots !== undefined && p.effectiveShots > maxK);
  const xs = numeric.map((p) => p.shots as number);
  const ys = numeric.map((p) => p.top1);
  if (all) {
    xs.push(all.effectiveShots!);
    ys.push(all.top1);
  }
  if (xs.length === 0) return { shots: null };
  const be = breakEven(xs, ys, zeroShotTop1);
  const usesAll = (i: number) => all !== undefined && i === xs.length - 1;
  if (be.status === 'never')
    return { shots: null, note: all ? 'the probe never reaches zero-shot top-1, not even trained on all the training data' : 'the probe never reaches zero-shot top-1 within the shots tried' };
  if (be.status === 'already-above') {
    if (usesAll(0)) return { shots: be.shots, note: `the full-data probe (${per(all!.effectiveShots!)}) already matches zero-shot; the break-even is at most that` };
    return { shots: be.shots, note: `the probe already matches zero-shot at the smallest k tried (${be.shots}); the true break-even is at most that` };
  }
  const crossedAt = ys.findIndex((y) => y >= zeroShotTop1);
  if (usesAll(crossedAt))
    return { shots: be.shots, note: `the probe reaches zero-shot only between ${xs[crossedAt - 1]} shots and the full training data (${per(all!.effectiveShots!)}): ≈ ${be.shots!.toFixed(1)} shots by log-interpolation` };
  return { shots: be.shots };
}
