import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.ts';
import { classPrompts, indistinguishableClasses, zeroShotClassifier, zeroShotLogits } from '../../src/evaluation/zeroshot.ts';

describe('zero-shot classifier', () => {
  it('fills every template with every class, class-major', () => {
    expect(classPrompts(['cat', 'dog'], ['a {}.', 'the {}!'])).toEqual(['a cat.', 'the cat!', 'a dog.', 'the dog!']);
  });

  it('ensembles normalised prompt embeddings, so a long prompt vector does not dominate', () => {
    // class 0: prompts (10,0) and (0,1) → unit (1,0),(0,1) → mean (.5,.5) → (0.7071, 0.7071)
    const text = Float32Array.from([10, 0, 0, 1, /* class 1 */ 0, -3, 0, -3]);
    const w = zeroShotClassifier(text, 2, 2, 2);
    expect(w[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(w[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(w[2]).toBeCloseTo(0, 6);
    expect(w[3]).toBeCloseTo(-1, 6);
  });

  it('scores scale · cosine and ignores the image vector length', () => {
    const w = Float32Array.from([1, 0, 0, 1]);
    const logits = zeroShotLogits(Float32Array.from([3, 4, 0.3, 0.4]), 2, w, 2, 2, 100);
    expect(Array.from(logits).map((v) => +v.toFixed(4))).toEqual([60, 80, 60, 80]);
  });

  it('flags classes whose text embeddings coincide', () => {
    const w = zeroShotClassifier(Float32Array.from([1, 0, 2, 0, 0, 1]), 3, 1, 2);
    expect(indistinguishableClasses(w, 3, 2)).toEqual([[0, 1]]);
  });
});

describe('zeroShotLogits at scale', () => {
  it('gives the same logits on onnxruntime (large sets) as the plain loop', () => {
    const rng = new Rng(5);
    const [n, K, d] = [240, 90, 256]; // 5.5M multiply-adds: above the onnxruntime threshold
    const img = Float32Array.from({ length: n * d }, () => rng.next() - 0.5);
    const cls = Float32Array.from({ length: K * d }, () => rng.next() - 0.5);
    const z = zeroShotLogits(img, n, cls, K, d, 100);
    for (let i = 0; i < n; i += 7) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += img[i * d + j] ** 2;
      for (let c = 0; c < K; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += img[i * d + j] * cls[c * d + j];
        expect(z[i * K + c]).toBeCloseTo((100 * s) / Math.sqrt(norm), 4);
      }
    }
  });
});
