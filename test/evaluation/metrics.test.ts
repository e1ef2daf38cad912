import { describe, expect, it } from 'vitest';
import { balancedAccuracy, classificationMetrics, confusionMatrix, perClassAccuracy, top1Accuracy, topKAccuracy } from '../../src/evaluation/metrics.ts';

// 4 examples, 3 classes. Predictions (arg-max): 0, 2, 2, 1; truth: 0, 1, 2, 2.
const scores = Float32Array.from([
  0.9, 0.05, 0.05, //
  0.1, 0.3, 0.6, //
  0.2, 0.2, 0.6, //
  0.1, 0.5, 0.4, //
]);
const labels = Int32Array.from([0, 1, 2, 2]);

describe('classification metrics', () => {
  it('top-1 is the fraction whose arg-max is the true class', () => {
    expect(top1Accuracy(scores, labels, 3)).toBe(0.5);
  });

  it('top-2 counts the true class among the two highest scores', () => {
    // Row 1: true class 1 is second (0.3); row 3: class 2 is second (0.4).
    expect(topKAccuracy(scores, labels, 3, 2)).toBe(1);
  });

  it('confusion matrix has the true class as row', () => {
    expect(Array.from(confusionMatrix(Int32Array.from([0, 2, 2, 1]), labels, 3))).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 1]);
  });

  it('per-class accuracy is recall, null for classes absent from the test labels', () => {
    const conf = confusionMatrix(Int32Array.from([0, 0, 1]), Int32Array.from([0, 0, 1]), 3);
    expect(perClassAccuracy(conf, 3)).toEqual([1, 1, null]);
  });

  it('balanced accuracy averages recall over the classes present', () => {
    // Recalls: class 0 = 1, class 1 = 0, class 2 = 1/2 → 0.5; an absent class would not count.
    const conf = confusionMatrix(Int32Array.from([0, 2, 2, 1]), labels, 3);
    expect(balancedAccuracy(conf, 3)).toBeCloseTo(0.5, 12);
    const imbalanced = confusionMatrix(Int32Array.from([0, 0, 0, 0]), Int32Array.from([0, 0, 0, 1]), 4);
    expect(balancedAccuracy(imbalanced, 4)).toBe(0.5);
  });

  it('reports top-5 only with at least 5 classes', () => {
    expect(classificationMetrics(scores, labels, 3).top5).toBeNull();
    const s5 = Float32Array.from([5, 4, 3, 2, 1, 0, /* row 2 */ 0, 1, 2, 3, 4, 5]);
    const m = classificationMetrics(s5, Int32Array.from([5, 0]), 6);
    expect(m.top1).toBe(0);
    expect(m.top5).toBe(0); // the true class is last in both rows
    const m2 = classificationMetrics(s5, Int32Array.from([4, 1]), 6);
    expect(m2.top5).toBe(1);
  });

  it('rejects scores that are not whole rows', () => {
    expect(() => top1Accuracy(Float32Array.from([1, 2, 3]), Int32Array.from([0]), 2)).toThrow(/whole number of rows/);
  });
});

describe('top-k with tied scores', () => {
  it('breaks ties by class index like arg-max, so constant scores do not count as hits', () => {
    const scores = new Float32Array(4 * 6); // every class ties
    const labels = Int32Array.from([0, 2, 4, 5]);
    expect(top1Accuracy(scores, labels, 6)).toBe(0.25);
    expect(topKAccuracy(scores, labels, 6, 5)).toBe(0.75); // labels 0, 2, 4 rank within the first five
  });
});
