/**
 * Logit-scaled accuracy axes (Taori et al. 2020, Fig. 1; CLIP Fig. 13/14): on them a logit-linear trend is a
 * straight line. Accuracies are clamped as the effective-robustness fit clamps them, so 0% and 100% stay
 * finite; ticks are placed at round percentages and labelled in %.
 */
import { LOGIT_EPS, logit } from '../../evaluation/robustness.ts';

const PRIMARY = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];
const FINE = [0.1, 0.5, 1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 98, 99, 99.5, 99.9];

export interface LogitAxis {
  min: number;
  max: number;
  /** Tick positions in logit units. */
  ticks: number[];
  /** A tick's label: its percentage, e.g. "25%". */
  label: (v: number) => string;
}

/** An axis over the given accuracies (fractions), padded, with at least 4 ticks inside it. */
export function logitAxis(accuracies: number[], pad = 0.25): LogitAxis {
  const xs = accuracies.map(logit);
  let min = Math.min(...xs) - pad;
  let max = Math.max(...xs) + pad;
  const lo = logit(LOGIT_EPS);
  min = Math.max(min, lo - pad);
  max = Math.min(max, -lo + pad);
  const inside = (list: number[]) => list.map((p) => logit(p / 100)).filter((v) => v >= min && v <= max);
  let ticks = inside(PRIMARY);
  if (ticks.length < 4) ticks = inside(FINE);
  // A very narrow range (every accuracy within a few points): widen to the neighbouring fine ticks.
  while (ticks.length < 3) {
    const all = FINE.map((p) => logit(p / 100));
    const below = all.filter((v) => v < min).at(-1);
    const above = all.find((v) => v > max);
    if (below === undefined && above === undefined) break;
    if (below !== undefined) min = below - 0.05;
    if (above !== undefined) max = above + 0.05;
    ticks = inside(FINE);
  }
  const byLogit = new Map(FINE.map((p) => [logit(p / 100).toFixed(9), p]));
  return { min, max, ticks, label: (v) => `${byLogit.get(v.toFixed(9)) ?? Number((100 / (1 + Math.exp(-v))).toFixed(1))}%` };
}
