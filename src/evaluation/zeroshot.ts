import { l2NormalizeRows } from './normalize.ts';

/** The prompts for every (class, template) pair, class-major: row c·T + t is template t filled with class c. */
export function classPrompts(classes: readonly string[], templates: readonly string[]): string[] {
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
