import { UserError } from '../util/errors.ts';
import { l2NormalizeRows } from './normalize.ts';
import { ORT_MIN_BASIS_WORK } from './probe/dense.ts';
import { linearScores } from './probe/logistic-regression.ts';
import { ortAvailable } from './probe/ort-native.ts';
import { classificationMetrics, correctness, type Metrics } from './metrics.ts';

/**
 * The prompts for every (class, template) pair, class-major: row c·T + t is template t filled with class c.
 * An empty class name or a template without `{}` is a UserError (it would embed a prompt that names no class).
 */
export function classPrompts(classes: readonly string[], templates: readonly string[]): string[] {
  const empty = classes.findIndex((c) => c.trim() === '');
  if (empty >= 0) throw new UserError(`class ${empty} has an empty name; every class needs a name for its zero-shot prompts (fix the class names or labels file)`);
  const bad = templates.find((t) => !t.includes('{}'));
  if (bad !== undefined) throw new UserError(`template "${bad}" has no {} placeholder for the class name; fix the templates (--templates-file)`);
  const out: string[] = [];
  for (const c of classes) for (const t of templates) out.push(t.replaceAll('{}', c));
  return out;
}

/**
 * CLIP prompt ensembling (Radford et al. 2021, §3.1.4): each class embedding is the mean of the
 * L2-normalised text embeddings of its prompts, re-normalised. `textEmb` is [K·T, d] class-major.
 */
export function zeroShotClassifier(textEmb: Float32Array, numClasses: number, numTemplates: number, dim: number): Float32Array {
  const unit = l2NormalizeRows(textEmb, numClasses * numTemplates, dim);
  const mean = new Float32Array(numClasses * dim);
  for (let c = 0; c < numClasses; c++) {
    for (let t = 0; t < numTemplates; t++) {
      const row = (c * numTemplates + t) * dim;
      for (let j = 0; j < dim; j++) mean[c * dim + j] += unit[row + j];
    }
  }
  return l2NormalizeRows(mean, numClasses, dim);
}

/** Logits = scale · cos(image, class): [n, K]. Image features are normalised here. */
export function zeroShotLogits(imageFeats: Float32Array, n: number, classifier: Float32Array, numClasses: number, dim: number, scale = 100): Float32Array {
  const img = l2NormalizeRows(imageFeats, n, dim);
  // Large sets (quickdraw: 6,900 × 345 classes × 2,404-d, 8 s in JS) are scored as a linear head, whose
  // products run as float64 GEMMs on onnxruntime in blocks of rows (`linearScores`); the logit scale is
  // folded into the weights. The same float64 sums up to reassociation, rounded to float32 as before.
  if (n * numClasses * dim >= ORT_MIN_BASIS_WORK && ortAvailable()) {
    const coef = Float64Array.from(classifier.subarray(0, numClasses * dim), (v) => scale * v);
    return linearScores({ numClasses, numFeatures: dim, coef, intercept: new Float64Array(numClasses) }, img, n, 1);
  }
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const xi = i * dim;
    for (let c = 0; c < numClasses; c++) {
      const wc = c * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += img[xi + j] * classifier[wc + j];
      out[i * numClasses + c] = scale * s;
    }
  }
  return out;
}

export interface ZeroShotEvaluation {
  scores: Float32Array;
  /** Classes zero-shot cannot separate (identical text embeddings). */
  indistinguishable: number[][];
  metrics: Metrics;
  /** 0/1 per test example, for bootstrap intervals. */
  correct: Uint8Array;
}

/**
 * Zero-shot evaluation on precomputed embeddings: image features [n, d] (raw), prompt embeddings
 * [K·T, d] class-major (raw), test labels [n].
 */
export function evaluateZeroShot(args: {
  imageFeats: Float32Array;
  labels: Int32Array;
  textEmb: Float32Array;
  numClasses: number;
  numTemplates: number;
  dim: number;
  scale: number;
}): ZeroShotEvaluation {
  const n = args.labels.length;
  const classifier = zeroShotClassifier(args.textEmb, args.numClasses, args.numTemplates, args.dim);
  const scores = zeroShotLogits(args.imageFeats, n, classifier, args.numClasses, args.dim, args.scale);
  return {
    scores,
    indistinguishable: indistinguishableClasses(classifier, args.numClasses, args.dim),
    metrics: classificationMetrics(scores, args.labels, args.numClasses),
    correct: correctness(scores, args.labels, args.numClasses),
  };
}

/**
 * Groups of classes whose ensembled text embeddings are (numerically) the same direction: zero-shot
 * cannot tell them apart, and arg-max silently picks the first. Happens with text towers that map
 * unknown words (e.g. digits) to nothing.
 */
export function indistinguishableClasses(classifier: Float32Array, numClasses: number, dim: number, tol = 1e-5): number[][] {
  const groups: number[][] = [];
  const seen = new Uint8Array(numClasses);
  for (let a = 0; a < numClasses; a++) {
    if (seen[a]) continue;
    const group = [a];
    for (let b = a + 1; b < numClasses; b++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += classifier[a * dim + j] * classifier[b * dim + j];
      if (dot > 1 - tol) {
        group.push(b);
        seen[b] = 1;
      }
    }
    if (group.length > 1) groups.push(group);
  }
  return groups;
}
