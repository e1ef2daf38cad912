/**
 * Robustness measures from accuracies already measured (clean and shifted test sets): no model, no
 * features. Effective robustness follows Taori et al. 2020 ("Measuring Robustness to Natural
 * Distribution Shifts in Image Classification"): a model's shifted accuracy minus what the linear trend
 * of the baseline models predicts from its clean accuracy, the trend fitted in logit space. Here the
 * baselines are the linear probes adapted to the clean training data (CLIP Fig. 13/14's question).
 */

/** Accuracies are clamped to [LOGIT_EPS, 1 − LOGIT_EPS] before the logit, so 0 and 1 stay finite. */
export const LOGIT_EPS = 1e-3;
/** Below this R² the logit-linear trend is flagged as a poor fit. */
export const MIN_R2 = 0.8;

const clamp = (p: number) => Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
export const logit = (p: number) => Math.log(clamp(p) / (1 - clamp(p)));
export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface AccuracyPair {
  clean: number;
  shifted: number;
}

export interface LogitFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination in logit space (1 when the fit passes through every point). */
  r2: number;
  points: number;
}

/** Least-squares line logit(shifted) = slope · logit(clean) + intercept; null with fewer than 2 distinct clean values. */
export function fitLogitLinear(points: AccuracyPair[]): LogitFit | null {
  const xs = points.map((p) => logit(p.clean));
  const ys = points.map((p) => logit(p.shifted));
  const n = xs.length;
  if (new Set(xs.map((x) => x.toFixed(9))).size < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i] - (slope * xs[i] + intercept)) ** 2;
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - sse / syy, points: n };
}

export interface EffectiveRobustness {
  /** Shifted accuracy minus the trend's prediction at the same clean accuracy; null when no trend can be fitted. */
  value: number | null;
  predicted: number | null;
  fit: LogitFit | null;
  /** Why the estimate should be read with care, if it should. */
  flag?: string;
}

/** Effective robustness of `model` against the trend through `baselines` (e.g. zero-shot vs the adapted probes). */
export function effectiveRobustness(baselines: AccuracyPair[], model: AccuracyPair): EffectiveRobustness {
  const distinct = new Set(baselines.map((p) => logit(p.clean).toFixed(9))).size;
  const fit = fitLogitLinear(baselines);
  if (!fit) return { value: null, predicted: null, fit: null, flag: `no trend: the adapted probes give ${distinct} distinct clean accurac${distinct === 1 ? 'y' : 'ies'} (need at least 2; 3 or more for a trustworthy fit)` };
  const predicted = sigmoid(fit.slope * logit(model.clean) + fit.intercept);
  const flags: string[] = [];
  if (distinct < 3) flags.push(`only ${distinct} distinct probe points: the line passes through them exactly`);
  else if (fit.r2 < MIN_R2) flags.push(`poor logit-linear fit (R² = ${fit.r2.toFixed(2)} < ${MIN_R2})`);
  return { value: model.shifted - predicted, predicted, fit, ...(flags.length ? { flag: flags.join('; ') } : {}) };
}

export interface CorruptionAccuracy {
  corruption: string;
  severity: number;
  group: 'corruptions' | 'extra';
  top1: number;
}

export interface CorruptionSummary {
  /** Mean over the severities measured, per corruption. */
  perCorruption: { corruption: string; group: 'corruptions' | 'extra'; severities: number[]; meanTop1: number }[];
  /** Mean corruption accuracy over the 15 (null when none of them ran). */
  mCA: number | null;
  /** Mean accuracy over the 4 extras, kept apart as in CIFAR-10-C (null when none ran). */
  mCAExtra: number | null;
  /**
   * Mean corruption error, unnormalised (AugMix's CIFAR convention: mean over corruptions of the mean
   * error over severities, no AlexNet baseline): 1 − mCA over the 15 corruptions that ran.
   */
  mCE: number | null;
  /** How many of the 15 ran: an mCE over fewer is not comparable with published ones. */
  corruptionsCovered: number;
}

export function corruptionSummary(rows: CorruptionAccuracy[]): CorruptionSummary {
  const by = new Map<string, CorruptionAccuracy[]>();
  for (const r of rows) by.set(r.corruption, [...(by.get(r.corruption) ?? []), r]);
  const perCorruption = [...by].map(([corruption, list]) => ({
    corruption,
    group: list[0].group,
    severities: list.map((r) => r.severity).sort((a, b) => a - b),
    meanTop1: list.reduce((a, r) => a + r.top1, 0) / list.length,
  }));
  const meanOf = (g: 'corruptions' | 'extra') => {
    const xs = perCorruption.filter((c) => c.group === g).map((c) => c.meanTop1);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const mCA = meanOf('corruptions');
  return { perCorruption, mCA, mCAExtra: meanOf('extra'), mCE: mCA === null ? null : 1 - mCA, corruptionsCovered: perCorruption.filter((c) => c.group === 'corruptions').length };
}
