import { UserError } from '../util/errors.ts';
import type { CompareDataset } from './compare.ts';

/** Regression gates of an export comparison; a gate left undefined is not checked. */
export interface Gates {
  /** Largest allowed top-1 drop, in percentage points (candidate − reference ≥ −maxDrop). */
  maxDrop?: number;
  /** Smallest allowed top-1 agreement (fraction of rows with the same predicted class). */
  minAgreement?: number;
  /** Largest allowed negative-flip rate (reference right, candidate wrong). */
  maxNegativeFlips?: number;
  /** Smallest allowed mean image-embedding cosine. */
  minCosine?: number;
}

/**
 * Presets. fp16 (the default): a half-precision export should change almost nothing; int8: dynamic
 * quantisation is allowed a visible but small change. Values chosen for CLIP-size exports; tighten or
 * loosen with the individual flags.
 */
export const GATE_PRESETS = {
  fp16: { maxDrop: 0.2, minAgreement: 0.995, maxNegativeFlips: 0.005, minCosine: 0.999 },
  int8: { maxDrop: 1.0, minAgreement: 0.97, maxNegativeFlips: 0.02, minCosine: 0.98 },
} as const satisfies Record<string, Required<Gates>>;

export function checkGateRanges(g: Gates): void {
  const bad = (flag: string, v: number, range: string) => new UserError(`${flag} ${v} is outside ${range}`);
  if (g.maxDrop !== undefined && !(g.maxDrop >= 0 && g.maxDrop <= 100)) throw bad('--max-drop', g.maxDrop, '[0, 100] points');
  if (g.minAgreement !== undefined && !(g.minAgreement >= 0 && g.minAgreement <= 1)) throw bad('--min-agreement', g.minAgreement, '[0, 1]');
  if (g.maxNegativeFlips !== undefined && !(g.maxNegativeFlips >= 0 && g.maxNegativeFlips <= 1)) throw bad('--max-negative-flips', g.maxNegativeFlips, '[0, 1]');
  if (g.minCosine !== undefined && !(g.minCosine >= -1 && g.minCosine <= 1)) throw bad('--min-cosine', g.minCosine, '[-1, 1]');
}

export interface GateResult {
  gate: string;
  where: string;
  /** null: the gate could not be measured (it then fails: a gate is never passed unseen). */
  measured: number | null;
  limit: number;
  passed: boolean;
  /** Why it was not measured. */
  note?: string;
}

/** Every gate on every dataset: zero-shot and each probe k (mean over seeds) for the accuracy gates. */
export function evaluateGates(results: CompareDataset[], g: Gates): GateResult[] {
  const out: GateResult[] = [];
  const add = (gate: string, where: string, measured: number, limit: number, passed: boolean) => out.push({ gate, where, measured, limit, passed });
  for (const r of results) {
    const classifiers = [
      ...(r.zeroShot ? [{ where: `${r.dataset} zero-shot`, delta: r.zeroShot.delta, agreement: r.zeroShot.agreement, neg: r.zeroShot.negativeFlipRate }] : []),
      ...r.probes.map((p) => ({ where: `${r.dataset} ${p.shots}-shot probe`, delta: p.meanDelta, agreement: p.meanAgreement, neg: p.meanNegativeFlipRate })),
    ];
    for (const c of classifiers) {
      if (g.maxDrop !== undefined) add('max-drop', c.where, 100 * c.delta, -g.maxDrop, 100 * c.delta >= -g.maxDrop);
      if (g.minAgreement !== undefined) add('min-agreement', c.where, c.agreement, g.minAgreement, c.agreement >= g.minAgreement);
      if (g.maxNegativeFlips !== undefined) add('max-negative-flips', c.where, c.neg, g.maxNegativeFlips, c.neg <= g.maxNegativeFlips);
    }
    if (g.minCosine !== undefined) {
      if (r.embeddings) add('min-cosine', `${r.dataset} image embeddings`, r.embeddings.imageCosine.mean, g.minCosine, r.embeddings.imageCosine.mean >= g.minCosine);
      else out.push({ gate: 'min-cosine', where: `${r.dataset} image embeddings`, measured: null, limit: g.minCosine, passed: false, note: r.embeddingsUnavailable ?? 'no embeddings' });
    }
  }
  return out;
}

/** The last line a comparison prints: PASS, or FAIL naming each failed gate with its measured value. */
export function verdictLine(gates: GateResult[]): string {
  const failed = gates.filter((x) => !x.passed);
  if (failed.length === 0) return `verdict: PASS (${gates.length} gate checks)`;
  const fmt = (x: GateResult) =>
    x.measured === null
      ? `${x.where}: ${x.gate} not measured (${x.note}; waive it with --${x.gate} none)`
      : x.gate === 'max-drop' ? `${x.where}: Δ top-1 ${x.measured.toFixed(2)} points < ${x.limit}` : `${x.where}: ${x.gate} ${x.measured.toFixed(4)} ${x.gate.startsWith('max') ? '>' : '<'} ${x.limit}`;
  return `verdict: FAIL — ${failed.map(fmt).join('; ')}`;
}
