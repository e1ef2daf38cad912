import { describe, expect, it } from 'vitest';
import { clipScores, meanScore, pairCosines, promptFor, refClipScores, topByScore } from '../../src/evaluation/clip-score.ts';

describe('CLIPScore (Hessel et al. 2021) and RefCLIPScore', () => {
  it('CLIP-S = 2.5 · max(cos, 0) on normalised embeddings; torchmetrics = 100 · cos', () => {
    const img = Float32Array.from([3, 4, 1, 0, 0, 2]);
    const txt = Float32Array.from([4, 3, -1, 0, 1, 1]);
    const cos = pairCosines(img, txt, 3, 2);
    expect(cos[0]).toBeCloseTo(24 / 25, 6);
    expect(cos[1]).toBeCloseTo(-1, 6);
    expect(cos[2]).toBeCloseTo(Math.SQRT1_2, 6);
    const s = clipScores(cos, 'clipscore');
    expect(s[0]).toBeCloseTo(2.5 * 0.96, 6);
    expect(s[1]).toBe(0);
    expect(s[2]).toBeCloseTo(2.5 * Math.SQRT1_2, 6);
    expect(clipScores(cos, 'torchmetrics')[1]).toBeCloseTo(-100, 5);
  });

  it('the clipscore convention prefixes "A photo depicts "; torchmetrics does not', () => {
    expect(promptFor('a dog on a beach', 'clipscore')).toBe('A photo depicts a dog on a beach');
    expect(promptFor('a dog on a beach', 'torchmetrics')).toBe('a dog on a beach');
  });

  it('RefCLIP-S is the harmonic mean of CLIP-S and the best reference cosine', () => {
    const cands = Float32Array.from([1, 0, 0, 1]);
    // Candidate 0: references at cos 0.6 and 0.8 → r = 0.8; candidate 1: none.
    const refs = Float32Array.from([0.6, 0.8, 0.8, 0.6]);
    const r = refClipScores([1.5, 2], cands, refs, Int32Array.from([0, 0]), 2);
    expect(r[0]).toBeCloseTo((2 * 1.5 * 0.8) / (1.5 + 0.8), 6);
    expect(Number.isNaN(r[1])).toBe(true);
  });

  it('the mean has a bootstrap CI around it; torchmetrics clamps the mean at 0', () => {
    const m = meanScore([0.5, 0.7, 0.9, 0.6], 'clipscore', 1, 500);
    expect(m.mean).toBeCloseTo(0.675, 12);
    expect(m.ci[0]).toBeLessThan(m.mean);
    expect(m.ci[1]).toBeGreaterThan(m.mean);
    expect(meanScore([-20, -10], 'torchmetrics', 1, 100).mean).toBe(0);
  });

  it('ranks by score, best first, ties to the lower index', () => {
    expect(Array.from(topByScore([0.1, 0.5, 0.5, 0.9], 3))).toEqual([3, 1, 2]);
  });
});
