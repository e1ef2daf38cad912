/**
 * Two exports' retrieval on the same test set (issue 21's retrieval gates). Caption retrieval: per direction
 * and k, recall@k of each with the paired Δ (candidate − reference) and its bootstrap CI over queries, and the
 * queries whose top-1 changed, read from the per-query outcomes a --task retrieval run stores. Class
 * retrieval (both exports run live): mAP, P@k and R@k with a paired bootstrap over test images, and the class
 * queries whose top-1 image changed; the gate covers mAP and precision@k.
 */
import type { RetrievalRecord } from '../results/schema.ts';
import { unpackArray } from '../results/packed.ts';
import { pairedDeltaCI } from '../evaluation/paired.ts';
import { hitsAtK } from '../evaluation/retrieval.ts';
import { pairedClassRetrieval } from '../evaluation/class-retrieval.ts';
import { deriveSeed } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';

export interface RetrievalDelta {
  metric: string;
  reference: number;
  candidate: number;
  /** Candidate − reference, as a fraction (×100 for points). */
  delta: number;
  ci: [number, number];
}

export interface RetrievalComparison {
  dataset: string;
  shift: string;
  deltas: RetrievalDelta[];
  top1Changed: { direction: 'image_retrieval' | 'text_retrieval' | 'class_retrieval'; queries: number; changed: number }[];
  /** The drop gate: every gated Δ (recall@k; for class retrieval mAP and precision@k) ≥ −maxDrop points. */
  gate: { maxDrop: number; worst: RetrievalDelta; passed: boolean };
}

function outcomesOf(rec: RetrievalRecord, where: string) {
  const o = rec.outcomes;
  if (rec.kind !== 'caption' || !o) throw new UserError(`${where}: ${rec.dataset} is a ${rec.kind} retrieval record without per-query outcomes; compare reads caption retrieval runs`);
  const get = (k: string) => unpackArray(o[k], `${where} retrieval outcomes ${k}`) as Int32Array;
  return { captionImage: o.captionImage, imageRanks: get('imageRetrievalRanks'), textRanks: get('textRetrievalRanks'), imageTop1: get('imageRetrievalTop1'), textTop1: get('textRetrievalTop1') };
}

export function compareRetrieval(ref: RetrievalRecord, cand: RetrievalRecord, opts: { refWhere: string; candWhere: string; maxDrop: number; seed: number; resamples: number }): RetrievalComparison {
  const a = outcomesOf(ref, opts.refWhere);
  const b = outcomesOf(cand, opts.candWhere);
  if (a.captionImage.sha256 !== b.captionImage.sha256 || ref.images !== cand.images)
    throw new UserError(`${opts.refWhere} and ${opts.candWhere} were not run on the same captions and images (${ref.captions} × ${ref.images} vs ${cand.captions} × ${cand.images}); rerun both with the same --dataset and --limit`);
  const deltas: RetrievalDelta[] = [];
  for (const [dir, ra, rb] of [['image_retrieval', a.imageRanks, b.imageRanks], ['text_retrieval', a.textRanks, b.textRanks]] as const)
    for (const k of ref.ks) {
      const ha = hitsAtK(ra, k);
      const hb = hitsAtK(rb, k);
      const p = pairedDeltaCI(new Uint8Array(ha.length).fill(1), ha, hb, deriveSeed(opts.seed, `${ref.dataset}/${ref.shift}/${dir}@${k}`), opts.resamples);
      const name = `${dir}_recall@${k}`;
      deltas.push({ metric: name, reference: ref.metrics[name].mean, candidate: cand.metrics[name].mean, delta: p.delta, ci: p.ci });
    }
  const changed = (x: Int32Array, y: Int32Array) => x.reduce((n, v, i) => n + (v !== y[i] ? 1 : 0), 0);
  const worst = deltas.reduce((w, d) => (d.delta < w.delta ? d : w));
  return {
    dataset: ref.dataset,
    shift: ref.shift,
    deltas,
    top1Changed: [
      { direction: 'image_retrieval', queries: a.imageTop1.length, changed: changed(a.imageTop1, b.imageTop1) },
      { direction: 'text_retrieval', queries: a.textTop1.length, changed: changed(a.textTop1, b.textTop1) },
    ],
    gate: { maxDrop: opts.maxDrop, worst, passed: 100 * worst.delta >= -opts.maxDrop },
  };
}

/** Class retrieval of two exports from their scores on the same test images (the records give the ks and sizes). */
export function compareClassRetrieval(ref: RetrievalRecord, cand: RetrievalRecord, scores: { ref: Float32Array; cand: Float32Array; labels: Int32Array; numClasses: number }, opts: { maxDrop: number; seed: number; resamples: number }): RetrievalComparison {
  const p = pairedClassRetrieval(scores.ref, scores.cand, scores.labels, scores.numClasses, { ks: ref.ks, seed: deriveSeed(opts.seed, `${ref.dataset}/${ref.shift}/class-retrieval-compare`), resamples: opts.resamples });
  const gated = p.deltas.filter((d) => d.metric === 'mAP' || d.metric.startsWith('precision@'));
  const worst = gated.reduce((w, d) => (d.delta < w.delta ? d : w));
  return {
    dataset: ref.dataset,
    shift: ref.shift,
    deltas: p.deltas,
    top1Changed: [{ direction: 'class_retrieval', queries: scores.numClasses, changed: p.top1Changed }],
    gate: { maxDrop: opts.maxDrop, worst, passed: 100 * worst.delta >= -opts.maxDrop },
  };
}
