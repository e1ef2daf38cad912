import { describe, expect, it } from 'vitest';
import { flipTable } from '../../src/compare/flips.ts';
import { cosineHistogram, LOG10_EDGES } from '../../src/compare/cosine-histogram.ts';
import { pairedCounts } from '../../src/evaluation/paired.ts';

const classes = ['cat', 'dog', 'fox'];
// Row by row: same, same, fox 2→0 (negative), dog 0→1 (positive), same (both wrong), cat 1→0 (positive), dog 1→2 (negative).
const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
const reference = Int32Array.from([0, 1, 2, 0, 0, 0, 1, 1]);
const candidate = Int32Array.from([0, 1, 0, 0, 1, 0, 0, 2]);

describe('flip table', () => {
  it('counts negative and positive flips per true class on a hand-made case', () => {
    const f = flipTable(classes, labels, [{ reference, candidate }]);
    expect(f.n).toBe(8);
    expect(f.changed).toBe(4);
    expect(f.perClass).toEqual([
      { class: 'cat', n: 3, negative: 0, positive: 1 },
      { class: 'dog', n: 3, negative: 1, positive: 1 },
      { class: 'fox', n: 2, negative: 1, positive: 0 },
    ]);
  });

  it('per-class flips add up to the paired counts of the whole set', () => {
    const f = flipTable(classes, labels, [{ reference, candidate }]);
    const c = pairedCounts(labels, reference, candidate);
    expect(f.perClass.reduce((a, x) => a + x.negative, 0)).toBe(c.refOnly);
    expect(f.perClass.reduce((a, x) => a + x.positive, 0)).toBe(c.candOnly);
    expect(f.changed).toBe(c.n - c.agree);
  });

  it('lists each (true class, reference → candidate) change with its kind, ties in class order', () => {
    expect(flipTable(classes, labels, [{ reference, candidate }]).pairs).toEqual([
      { trueClass: 'cat', reference: 'dog', candidate: 'cat', kind: 'positive', count: 1 },
      { trueClass: 'dog', reference: 'cat', candidate: 'dog', kind: 'positive', count: 1 },
      { trueClass: 'dog', reference: 'dog', candidate: 'fox', kind: 'negative', count: 1 },
      { trueClass: 'fox', reference: 'fox', candidate: 'cat', kind: 'negative', count: 1 },
    ]);
  });

  it('orders changes by frequency, keeps the top ones, and names wrong-to-wrong changes', () => {
    const y = Int32Array.from([2, 2, 2, 0, 1]);
    const r = Int32Array.from([0, 0, 0, 0, 1]);
    const c = Int32Array.from([1, 1, 1, 2, 0]);
    const f = flipTable(classes, y, [{ reference: r, candidate: c }], 2);
    expect(f.pairs).toEqual([
      { trueClass: 'fox', reference: 'cat', candidate: 'dog', kind: 'wrong to wrong', count: 3 },
      { trueClass: 'cat', reference: 'cat', candidate: 'fox', kind: 'negative', count: 1 },
    ]);
    expect(f.changed).toBe(5);
  });

  it('sums the seeds of a probe (each scores the same rows)', () => {
    const f = flipTable(classes, labels, [{ reference, candidate }, { reference, candidate: reference }]);
    expect(f.n).toBe(16);
    expect(f.perClass[1]).toEqual({ class: 'dog', n: 6, negative: 1, positive: 1 });
  });
});

describe('cosine histogram', () => {
  it('bins 1 − cosine by half decades, identical and rounding-above-1 rows in the first bin, cosine ≤ 0 in the last', () => {
    const h = cosineHistogram([1, 1 - 1e-9, 1 - 2e-6, 1 - 5e-6, 0.5, -0.2, 1 + 1e-7]);
    expect(h.log10Edges).toEqual(LOG10_EDGES);
    expect(h.counts).toHaveLength(LOG10_EDGES.length + 1);
    const nonzero = Object.fromEntries(h.counts.flatMap((n, i) => (n ? [[i, n]] : [])));
    // bin 5: [1e-6, 10^-5.5); bin 6: [10^-5.5, 1e-5); bin 16: [10^-0.5, 1); bin 17: ≥ 1.
    expect(nonzero).toEqual({ 0: 3, 5: 1, 6: 1, 16: 1, 17: 1 });
  });
});
