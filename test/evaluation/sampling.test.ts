import { describe, expect, it } from 'vitest';
import { sampleKShot } from '../../src/evaluation/sampling.ts';

// 3 classes × 20 examples, interleaved: index i has class i % 3; class 2 has only 3 examples extra.
const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3);

function classOf(idx: Int32Array, y: Int32Array): number[] {
  return Array.from(idx, (i) => y[i]);
}

describe('sampleKShot', () => {
  it('is deterministic for a seed', () => {
    const a = sampleKShot(labels, 3, 4, 11);
    const b = sampleKShot(labels, 3, 4, 11);
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(Array.from(a.val)).toEqual(Array.from(b.val));
  });

  it('draws differently for different seeds', () => {
    const a = sampleKShot(labels, 3, 4, 1);
    const b = sampleKShot(labels, 3, 4, 2);
    expect(Array.from(a.train)).not.toEqual(Array.from(b.train));
  });

  it('takes k per class for train and min(k, 4) per class for val', () => {
    for (const k of [1, 2, 8]) {
      const s = sampleKShot(labels, 3, k, 5);
      const v = Math.min(k, 4);
      for (let c = 0; c < 3; c++) {
        expect(classOf(s.train, labels).filter((x) => x === c).length).toBe(k);
        expect(classOf(s.val, labels).filter((x) => x === c).length).toBe(v);
      }
      expect(s.shortClasses).toEqual([]);
    }
  });

  it('keeps val disjoint from train and indices unique', () => {
    const s = sampleKShot(labels, 3, 8, 3);
    const all = [...s.train, ...s.val];
    expect(new Set(all).size).toBe(all.length);
  });

  it('gives nested train sets across k for the same seed', () => {
    const small = new Set(sampleKShot(labels, 3, 2, 9).train);
    const large = new Set(sampleKShot(labels, 3, 4, 9).train);
    for (const i of small) expect(large.has(i)).toBe(true);
  });

  it('reports short classes and keeps what exists instead of dropping them', () => {
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]); // class 0: 8, class 1: 3, class 2: 0
    const s = sampleKShot(y, 3, 4, 1);
    expect(s.shortClasses).toEqual([
      { class: 1, available: 3, requested: 8 },
      { class: 2, available: 0, requested: 8 },
    ]);
    expect(classOf(s.train, y).filter((c) => c === 1).length).toBe(3);
    expect(classOf(s.val, y).filter((c) => c === 1).length).toBe(0);
    expect(classOf(s.train, y).filter((c) => c === 0).length).toBe(4);
    expect(classOf(s.val, y).filter((c) => c === 0).length).toBe(4);
  });

  it("uses every example for k = 'all', carving 10% of each class for val", () => {
    const s = sampleKShot(labels, 3, 'all', 4);
    expect(s.train.length + s.val.length).toBe(60);
    for (let c = 0; c < 3; c++) expect(classOf(s.val, labels).filter((x) => x === c).length).toBe(2);
    expect(new Set([...s.train, ...s.val]).size).toBe(60);
  });

  it('accepts a custom val size rule', () => {
    const s = sampleKShot(labels, 3, 2, 4, { valPerClass: () => 1 });
    expect(s.val.length).toBe(3);
  });
});
