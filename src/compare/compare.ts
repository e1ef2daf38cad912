import { mcnemar, pairedCounts, pairedDeltaCI, rowCosines, sqnrDb, type McNemar } from '../evaluation/paired.ts';
import type { Shots } from '../evaluation/linear-probe.ts';
import { deriveSeed } from '../util/rng.ts';
import type { ExportOutcomes } from './run-export.ts';
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
  zeroShot: (PairedClassifier & { perClassDelta: { class: string; delta: number | null }[]; flips: FlipTable }) | null;
  /** `flips`: counts summed over the seeds (each seed scores the same rows). */
  probes: { shots: Shots; meanDelta: number; perSeed: (PairedClassifier & { seed: number; referenceC: number; candidateC: number })[]; meanAgreement: number; meanNegativeFlipRate: number; flips: FlipTable }[];
  /** When both exports embed in the same dimension. */
  embeddings: {
    imageCosine: { min: number; p01: number; mean: number; histogram: CosineHistogram };
    imageSqnrDb: number;
    textCosine: { min: number; mean: number; perClass: { class: string; cosine: number }[] } | null;
    maxAbsLogitDelta: number | null;
  } | null;
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
    zeroShot = { ...p, perClassDelta, flips: flipTable(classes, labels, [{ reference: ref.zeroShot.predictions, candidate: cand.zeroShot.predictions }]) };
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
  if (ref.dim === cand.dim) {
    const img = rowCosines(ref.testFeats, cand.testFeats, ref.dim);
    let textCosine = null;
    let maxAbsLogitDelta = null;
    if (ref.classifier && cand.classifier) {
      const t = rowCosines(ref.classifier, cand.classifier, ref.dim);
      textCosine = { min: t.min, mean: t.mean, perClass: classes.map((name, i) => ({ class: name, cosine: t.cosines[i] })) };
      let m = 0;
      for (let i = 0; i < ref.zeroShot!.scores.length; i++) m = Math.max(m, Math.abs(ref.zeroShot!.scores[i] - cand.zeroShot!.scores[i]));
      maxAbsLogitDelta = m;
    }
    embeddings = { imageCosine: { min: img.min, p01: img.p01, mean: img.mean, histogram: cosineHistogram(img.cosines) }, imageSqnrDb: sqnrDb(ref.testFeats, cand.testFeats), textCosine, maxAbsLogitDelta };
  }
  void K;
  return { dataset, n: labels.length, zeroShot, probes, embeddings };
}
