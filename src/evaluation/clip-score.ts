/**
 * CLIPScore (Hessel et al., EMNLP 2021; jmhessel/clipscore `clipscore.py`): on L2-normalised embeddings,
 * CLIP-S = w · max(cos(image, "A photo depicts " + caption), 0) with w = 2.5; RefCLIP-S = the harmonic mean of
 * CLIP-S and the caption's best cosine with its references (also prefixed), 2·c·r/(c + r). torchmetrics'
 * `CLIPScore` instead reports 100 · cos (no prefix), clamped at 0 only after averaging.
 */
import { l2NormalizeRows } from './normalize.ts';
import { bootstrapMeanCI } from './statistics.ts';

export type ClipScoreConvention = 'clipscore' | 'torchmetrics';

/** The prefix clipscore.py puts before every caption and reference (torchmetrics uses none). */
export const CLIPSCORE_PREFIX = 'A photo depicts ';
export const CLIPSCORE_WEIGHT = 2.5;

export const promptFor = (text: string, convention: ClipScoreConvention) => (convention === 'clipscore' ? `${CLIPSCORE_PREFIX}${text}` : text);

/** Row-wise cosines of two [n, d] matrices (each row normalised here). */
export function pairCosines(a: Float32Array, b: Float32Array, n: number, d: number): Float64Array {
  const ua = l2NormalizeRows(a, n, d);
  const ub = l2NormalizeRows(b, n, d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += ua[i * d + j] * ub[i * d + j];
    out[i] = s;
  }
  return out;
}

/** Per pair: 2.5·max(cos, 0) (clipscore) or 100·cos (torchmetrics, unclamped per row). */
export function clipScores(cosines: ArrayLike<number>, convention: ClipScoreConvention): Float64Array {
  return Float64Array.from(cosines, (c) => (convention === 'clipscore' ? CLIPSCORE_WEIGHT * Math.max(c, 0) : 100 * c));
}

/**
 * RefCLIP-S per candidate: the harmonic mean of its CLIP-S and r = its best cosine with its references
 * (refOwner[j] = the candidate of reference j). NaN for a candidate without references.
 */
export function refClipScores(scores: ArrayLike<number>, candidates: Float32Array, refs: Float32Array, refOwner: Int32Array, d: number): Float64Array {
  const n = scores.length;
  const uc = l2NormalizeRows(candidates, n, d);
  const ur = l2NormalizeRows(refs, refOwner.length, d);
  const best = new Float64Array(n).fill(NaN);
  for (let j = 0; j < refOwner.length; j++) {
    const i = refOwner[j];
    let s = 0;
    for (let x = 0; x < d; x++) s += uc[i * d + x] * ur[j * d + x];
    if (!(s <= best[i])) best[i] = s;
  }
  return Float64Array.from({ length: n }, (_, i) => {
    const c = scores[i];
    const r = best[i];
    if (Number.isNaN(r)) return NaN;
    return c + r > 0 ? (2 * c * r) / (c + r) : 0;
  });
}

/** The mean over rows with its 95% percentile-bootstrap CI; torchmetrics' mean is clamped at 0 (as it reports it). */
export function meanScore(values: ArrayLike<number>, convention: ClipScoreConvention, seed: number, resamples: number): { mean: number; ci: [number, number] } {
  const finite = Float64Array.from(Array.from(values).filter(Number.isFinite));
  const ci = bootstrapMeanCI(finite, { seed, resamples });
  const clamp = (x: number) => (convention === 'torchmetrics' ? Math.max(x, 0) : x);
  return { mean: clamp(ci.estimate), ci: [clamp(ci.lower), clamp(ci.upper)] };
}

/** Indices of the k highest scores, best first, ties to the lower index. */
export function topByScore(scores: ArrayLike<number>, k: number): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.min(k, scores.length));
}
