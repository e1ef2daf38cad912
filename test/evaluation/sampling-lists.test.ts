import { describe, expect, it } from 'vitest';
import { sampleKShot, sampleKShotFromLists } from '../../src/evaluation/sampling.ts';
import { planProbeDraws } from '../../src/evaluation/linear-probe.ts';
import { extractPoolRows, poolLabelsOf } from '../../src/pipeline/probe-rows.ts';

// A CoOp-like split: 3 classes, 10 train rows and 5 val rows per class, interleaved by class.
const train = Int32Array.from({ length: 30 }, (_, i) => i % 3);
const val = Int32Array.from({ length: 15 }, (_, i) => i % 3);
const T = train.length;

const perClass = (idx: Int32Array, labels: Int32Array) => [0, 1, 2].map((c) => Array.from(idx).filter((i) => labels[i] === c).length);

describe('sampleKShotFromLists (CoOp: k from train, min(k, 4) from val)', () => {
  const pool = poolLabelsOf({ trainLabels: train, valLabels: val });

  it('draws the k-shot rows from the train list only and the validation rows from the val list only', () => {
    for (const k of [1, 2, 4, 8]) {
      const s = sampleKShotFromLists(train, val, 3, k, 5);
      expect(Array.from(s.train).every((i) => i < T)).toBe(true);
      expect(Array.from(s.val).every((i) => i >= T && i < T + val.length)).toBe(true);
      expect(perClass(s.train, pool)).toEqual([k, k, k]);
      expect(perClass(s.val, pool)).toEqual(Array(3).fill(Math.min(k, 4)));
      expect(s.shortClasses).toEqual([]);
    }
  });

  it('its train part is the same draw as without a val list (same per-class seeds), and nested across k', () => {
    expect(Array.from(sampleKShotFromLists(train, val, 3, 4, 9).train)).toEqual(Array.from(sampleKShot(train, 3, 4, 9).train));
    const v2 = new Set(sampleKShotFromLists(train, val, 3, 2, 9).val);
    expect(Array.from(sampleKShotFromLists(train, val, 3, 1, 9).val).every((i) => v2.has(i))).toBe(true);
    expect(Array.from(sampleKShotFromLists(train, val, 3, 2, 9).val)).not.toEqual(Array.from(sampleKShotFromLists(train, val, 3, 2, 10).val));
  });

  it("k = 'all' takes both lists whole (CoOp's num_shots < 1)", () => {
    const s = sampleKShotFromLists(train, val, 3, 'all', 1);
    expect([...s.train].sort((a, b) => a - b)).toEqual(Array.from({ length: T }, (_, i) => i));
    expect([...s.val].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => T + i));
  });

  it('a class with too few val rows keeps what it has and is listed, never repeated', () => {
    const shortVal = Int32Array.from([0, 0, 0, 0, 1, 2, 2, 2, 2]); // class 1 has one val row
    const s = sampleKShotFromLists(train, shortVal, 3, 4, 3);
    expect(perClass(s.val, poolLabelsOf({ trainLabels: train, valLabels: shortVal }))).toEqual([4, 1, 4]);
    expect(new Set(s.val).size).toBe(s.val.length);
    expect(s.shortClasses).toEqual([{ class: 1, available: 5, requested: 8 }]);
  });

  it('planProbeDraws uses the val list when given one, the train split alone otherwise', () => {
    const withList = planProbeDraws(train, 3, [2], [1], val).get(2)![0].sample;
    const without = planProbeDraws(train, 3, [2], [1]).get(2)![0].sample;
    expect(Array.from(withList.val).every((i) => i >= T)).toBe(true);
    expect(Array.from(without.val).every((i) => i < T)).toBe(true);
  });
});

describe('extractPoolRows', () => {
  it('extracts train rows from train and val rows (pool row T + j) from val row j, in pool order', async () => {
    const calls: [string, number[]][] = [];
    // One feature per row: 100·split + row, so the concatenation's order is visible.
    const extract = async (split: 'train' | 'val', idx: Int32Array) => {
      calls.push([split, Array.from(idx)]);
      return { features: Float32Array.from(idx, (i) => (split === 'val' ? 1000 : 0) + i) };
    };
    const feats = await extractPoolRows({ trainLabels: train, valLabels: val }, Int32Array.from([2, 7, T, T + 4]), extract);
    expect(calls).toEqual([['train', [2, 7]], ['val', [0, 4]]]);
    expect(Array.from(feats)).toEqual([2, 7, 1000, 1004]);
  });
});
