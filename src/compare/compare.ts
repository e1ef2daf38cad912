import { mcnemar, pairedCounts, pairedDeltaCI, rowCosines, sqnrDb, type McNemar } from '../evaluation/paired.ts';
import type { Shots } from '../evaluation/linear-probe.ts';
import { deriveSeed } from '../util/rng.ts';
import { topKOverlap } from '../evaluation/top-k.ts';
import type { ExportOutcomes } from './outcomes.ts';
import { cosineHistogram, type CosineHistogram } from './cosine-histogram.ts';
import { flipTable, type FlipTable } from './flips.ts';

export const COMPARE_BOOTSTRAP_SEED = 20211124;

/** One classifier (zero-shot, or a probe seed) of the candidate against the reference on the same rows. */
export interface PairedClassifier {
  referenceTop1: number;
  candidateTop1: number;
  /** candidate − reference, with a paired bootstrap 95% CI. */
  delta: number;
  deltaCi: [number, number];
  mcnemar: McNemar;
  /** Same predicted class. */
  agreement: number;
  /** Reference right, candidate wrong (Yan et al. 2021). */
  negativeFlipRate: number;
  positiveFlipRate: number;
}

export interface CompareDataset {
  dataset: string;
  n: number;
  /** top5Overlap: mean |top-5(reference) ∩ top-5(candidate)| / 5 per row (null with fewer than 5 classes). */
  zeroShot: (PairedClassifier & { perClassDelta: { class: string; delta: number | null }[]; top5Overlap: number | null; flips: FlipTable }) | null;
  /** `flips`: counts summed over the seeds (each seed scores the same rows). */
  probes: { shots: Shots; meanDelta: number; perSeed: (PairedClassifier & { seed: number; referenceC: number; candidateC: number })[]; meanAgreement: number; meanNegativeFlipRate: number; flips: FlipTable }[];
  /** When both sides have image embeddings of the same dimension (else see embeddingsUnavailable). */
  embeddings: {
    imageCosine: { min: number; p01: number; mean: number; histogram: CosineHistogram };
    imageSqnrDb: number;
    textCosine: { min: number; mean: number; perClass: { class: string; cosine: number }[] } | null;
    maxAbsLogitDelta: number | null;
  } | null;
  /** Why `embeddings` is null (different dimensions, or a stored run whose embeddings are not cached). */
  embeddingsUnavailable?: string;
}

function paired(labels: Int32Array, ref: Int32Array, cand: Int32Array, seed: number, resamples: number): PairedClassifier {
  const c = pairedCounts(labels, ref, cand);
  const d = pairedDeltaCI(labels, ref, cand, seed, resamples);
  return {
    referenceTop1: (c.both + c.refOnly) / c.n,
    candidateTop1: (c.both + c.candOnly) / c.n,
    delta: d.delta,
    deltaCi: d.ci,
    mcnemar: mcnemar(c.refOnly, c.candOnly),
    agreement: c.agree / c.n,
    negativeFlipRate: c.refOnly / c.n,
    positiveFlipRate: c.candOnly / c.n,
  };
}

/** Every paired statistic of one dataset: zero-shot, each probe seed (same draws, same C grid), embeddings. */
export function compareOutcomes(dataset: string, classes: readonly string[], labels: Int32Array, ref: ExportOutcomes, cand: ExportOutcomes, resamples: number): CompareDataset {
  const K = classes.length;
  const seed = (cell: string) => deriveSeed(COMPARE_BOOTSTRAP_SEED, `${dataset}/${cell}`);
  let zeroShot: CompareDataset['zeroShot'] = null;
  if (ref.zeroShot && cand.zeroShot) {
    const p = paired(labels, ref.zeroShot.predictions, cand.zeroShot.predictions, seed('zero-shot'), resamples);
    const perClassDelta = classes.map((name, k) => {
      let n = 0;
      let r = 0;
      let c = 0;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] !== k) continue;
        n++;
        if (ref.zeroShot!.predictions[i] === k) r++;
        if (cand.zeroShot!.predictions[i] === k) c++;
      }
      return { class: name, delta: n ? (c - r) / n : null };
    });
    const top5Overlap = K >= 5 ? topKOverlap(ref.zeroShot.top5, cand.zeroShot.top5, ref.zeroShot.top5Width) : null;
    zeroShot = { ...p, perClassDelta, top5Overlap, flips: flipTable(classes, labels, [{ reference: ref.zeroShot.predictions, candidate: cand.zeroShot.predictions }]) };
  }
  const probes: CompareDataset['probes'] = [];
  for (const [k, refSeeds] of ref.probes) {
    const candSeeds = cand.probes.get(k);
    if (!candSeeds) continue;
    const perSeed = refSeeds.map((r, i) => ({ seed: r.seed, referenceC: r.C, candidateC: candSeeds[i].C, ...paired(labels, r.predictions, candSeeds[i].predictions, seed(`probe/${k}/${r.seed}`), resamples) }));
    const avg = (f: (x: (typeof perSeed)[number]) => number) => perSeed.reduce((a, x) => a + f(x), 0) / perSeed.length;
    probes.push({ shots: k, meanDelta: avg((x) => x.delta), perSeed, meanAgreement: avg((x) => x.agreement), meanNegativeFlipRate: avg((x) => x.negativeFlipRate), flips: flipTable(classes, labels, refSeeds.map((r, i) => ({ reference: r.predictions, candidate: candSeeds[i].predictions }))) });
  }
  let embeddings: CompareDataset['embeddings'] = null;
  const unavailable = ref.dim !== cand.dim ? `the exports embed in different dimensions (${ref.dim} vs ${cand.dim})` : (ref.featsUnavailable ?? cand.featsUnavailable);
  if (!unavailable && ref.testFeats && cand.testFeats) {
    const img = rowCosines(ref.testFeats, cand.testFeats, ref.dim);
    let textCosine = null;
    let maxAbsLogitDelta = null;
    if (ref.classifier && cand.classifier) {
      const t = rowCosines(ref.classifier, cand.classifier, ref.dim);
      textCosine = { min: t.min, mean: t.mean, perClass: classes.map((name, i) => ({ class: name, cosine: t.cosines[i] })) };
      const [a, b] = [ref.zeroShot?.scores, cand.zeroShot?.scores];
      if (a && b) {
        // Classes ruled out (−∞, a restricted shift) have no logit to compare.
        let m = 0;
        for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i])) m = Math.max(m, Math.abs(a[i] - b[i]));
        maxAbsLogitDelta = m;
      }
    }
    embeddings = { imageCosine: { min: img.min, p01: img.p01, mean: img.mean, histogram: cosineHistogram(img.cosines) }, imageSqnrDb: sqnrDb(ref.testFeats, cand.testFeats), textCosine, maxAbsLogitDelta };
  }
  return { dataset, n: labels.length, zeroShot, probes, embeddings, ...(embeddings ? {} : { embeddingsUnavailable: unavailable ?? 'no image embeddings' }) };
}
