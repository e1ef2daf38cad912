/**
 * Classification metrics from scores (logits or probabilities) [n, K] row-major and true labels.
 * Top-1 uses the arg-max (first index on ties), the same rule as `predict`, so top-1 and the confusion
 * matrix agree. Top-k counts a hit when fewer than k classes rank above the true one, ties broken by
 * class index as arg-max breaks them (all-equal scores never make top-5 look perfect).
 */
import type { ClassRestriction } from '../datasets/natural-shifts.ts';

export interface Metrics {
  n: number;
  top1: number;
  /** null when there are fewer than 5 classes. */
  top5: number | null;
  /** Mean per-class recall over the classes present in the test labels (CLIP_benchmark). */
  balancedAccuracy: number;
  /** Recall per class; null for classes absent from the test labels. */
  perClassAccuracy: (number | null)[];
  /** Row = true class, column = predicted, [K, K] row-major. */
  confusion: Int32Array;
}

export function predictionsFromScores(scores: Float32Array, numClasses: number): Int32Array {
  const n = rowsOf(scores, numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (scores[o + k] > scores[o + best]) best = k;
    out[i] = best;
  }
  return out;
}

export function top1Accuracy(scores: Float32Array, labels: Int32Array, numClasses: number): number {
  const pred = predictionsFromScores(scores, numClasses);
  checkLabels(labels, pred.length, numClasses);
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / pred.length;
}

export function topKAccuracy(scores: Float32Array, labels: Int32Array, numClasses: number, k: number): number {
  const n = rowsOf(scores, numClasses);
  checkLabels(labels, n, numClasses);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    const y = labels[i];
    const s = scores[o + y];
    // Rank ties as arg-max does (lower index first), so tied scores never count as extra hits.
    let higher = 0;
    for (let c = 0; c < numClasses; c++) if (scores[o + c] > s || (scores[o + c] === s && c < y)) higher++;
    if (higher < k) ok++;
  }
  return ok / n;
}

export function confusionMatrix(predictions: Int32Array, labels: Int32Array, numClasses: number): Int32Array {
  checkLabels(labels, predictions.length, numClasses);
  const m = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < labels.length; i++) m[labels[i] * numClasses + predictions[i]]++;
  return m;
}

/** Recall per class from a confusion matrix; null where the class has no test examples. */
export function perClassAccuracy(confusion: Int32Array, numClasses: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let c = 0; c < numClasses; c++) {
    let row = 0;
    for (let j = 0; j < numClasses; j++) row += confusion[c * numClasses + j];
    out.push(row === 0 ? null : confusion[c * numClasses + c] / row);
  }
  return out;
}

export function balancedAccuracy(confusion: Int32Array, numClasses: number): number {
  const recalls = perClassAccuracy(confusion, numClasses).filter((r): r is number => r !== null);
  if (recalls.length === 0) return NaN;
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/** Everything the results schema records for one classifier on one test set. */
export function classificationMetrics(scores: Float32Array, labels: Int32Array, numClasses: number): Metrics {
  const pred = predictionsFromScores(scores, numClasses);
  const confusion = confusionMatrix(pred, labels, numClasses);
  let ok = 0;
  for (let c = 0; c < numClasses; c++) ok += confusion[c * numClasses + c];
  return {
    n: pred.length,
    top1: pred.length === 0 ? NaN : ok / pred.length,
    top5: numClasses >= 5 ? topKAccuracy(scores, labels, numClasses, 5) : null,
    balancedAccuracy: balancedAccuracy(confusion, numClasses),
    perClassAccuracy: perClassAccuracy(confusion, numClasses),
    confusion,
  };
}

/** 1 where the arg-max is the true label, else 0 (input to the bootstrap). */
export function correctness(scores: Float32Array, labels: Int32Array, numClasses: number): Uint8Array {
  const pred = predictionsFromScores(scores, numClasses);
  checkLabels(labels, pred.length, numClasses);
  const out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = pred[i] === labels[i] ? 1 : 0;
  return out;
}

function rowsOf(scores: Float32Array, numClasses: number): number {
  if (!(numClasses >= 1) || scores.length % numClasses !== 0)
    throw new Error(`metrics: ${scores.length} scores is not a whole number of rows of ${numClasses} classes`);
  return scores.length / numClasses;
}

function checkLabels(labels: Int32Array, n: number, numClasses: number): void {
  if (labels.length !== n) throw new Error(`metrics: ${labels.length} labels for ${n} score rows`);
  for (let i = 0; i < n; i++)
    if (!(labels[i] >= 0 && labels[i] < numClasses)) throw new Error(`metrics: label ${labels[i]} at row ${i} is outside 0..${numClasses - 1}`);
}

/**
 * Scores with the classes not kept ruled out (−∞): the classifier restricted to the classes a shifted
 * test set is scored over, as CLIP scores ImageNet-R on its 200 classes (wise-ft `project_logits`). A
 * group's first member takes the max over the group's scores (ObjectNet: each class the max over its
 * mapped ImageNet logits), so argmax and top-k run over groups. No restriction: the scores themselves.
 */
export function restrictToClasses(scores: Float32Array, numClasses: number, r: ClassRestriction | undefined): Float32Array {
  if (!r) return scores;
  const out = scores.slice();
  for (let i = 0; i < out.length; i += numClasses) {
    for (const g of r.groups ?? []) {
      let m = -Infinity;
      for (const c of g) m = Math.max(m, scores[i + c]);
      out[i + g[0]] = m;
    }
    for (let c = 0; c < numClasses; c++) if (!r.keep[c]) out[i + c] = -Infinity;
  }
  return out;
}
