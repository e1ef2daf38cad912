import { describe, expect, it } from 'vitest';
import { retrieveCaptions, hitsAtK } from '../../src/evaluation/retrieval.ts';

/** numpy's median of ranks, by a sort: the reference the histogram median is checked against. */
function medianRank(ranks: ArrayLike<number>): number {
  const s = Float64Array.from(ranks).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
import { captionRetrievalMetrics, metricNames } from '../../src/evaluation/retrieval-metrics.ts';
import { forEachSimilarityBlock } from '../../src/evaluation/similarity.ts';
import { l2NormalizeRows } from '../../src/evaluation/normalize.ts';
import { Rng } from '../../src/util/rng.ts';

const gaussian = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));

/** A small captioned set: images, and 1–4 noisy captions per image near it (some far, so ranks vary). */
function captioned(seed: number, nI: number, d: number) {
  const rng = new Rng(seed);
  const images = gaussian(rng, nI * d);
  const captionImage: number[] = [];
  const texts: number[] = [];
  for (let i = 0; i < nI; i++) {
    const m = 1 + rng.int(4);
    for (let c = 0; c < m; c++) {
      captionImage.push(i);
      const noise = gaussian(rng, d);
      const w = rng.next() * 3;
      for (let j = 0; j < d; j++) texts.push(images[i * d + j] + w * noise[j]);
    }
  }
  return { images, texts: Float32Array.from(texts), captionImage: Int32Array.from(captionImage), nI, d };
}

/** The whole matrix and full sorts: the definition, for checking the blockwise partial selection. */
function bruteForce(s: ReturnType<typeof captioned>, k: number) {
  const nT = s.captionImage.length;
  const T = l2NormalizeRows(s.texts, nT, s.d);
  const I = l2NormalizeRows(s.images, s.nI, s.d);
  const S = (t: number, i: number) => {
    let x = 0;
    for (let j = 0; j < s.d; j++) x += T[t * s.d + j] * I[i * s.d + j];
    return x;
  };
  const imageRanks: number[] = [];
  const imageTop: number[][] = [];
  for (let t = 0; t < nT; t++) {
    const order = [...Array(s.nI).keys()].sort((a, b) => S(t, b) - S(t, a) || a - b);
    imageRanks.push(order.indexOf(s.captionImage[t]) + 1);
    imageTop.push(order.slice(0, k));
  }
  const textRanks: number[] = [];
  const textTop: number[][] = [];
  for (let i = 0; i < s.nI; i++) {
    const order = [...Array(nT).keys()].sort((a, b) => S(b, i) - S(a, i) || a - b);
    textRanks.push(order.findIndex((t) => s.captionImage[t] === i) + 1);
    textTop.push(order.slice(0, k));
  }
  return { imageRanks, imageTop, textRanks, textTop };
}

describe('caption retrieval (CLIP_benchmark zeroshot_retrieval definitions)', () => {
  const set = captioned(7, 40, 16);
  const ref = bruteForce(set, 5);
  for (const [label, similarity] of [
    ['onnxruntime MatMul, blocks of 7 rows', { blockRows: 7 }],
    ['JS kernel, blocks of 13 rows', { blockRows: 13, js: true }],
    ['onnxruntime, one block', { blockRows: 10_000, threads: 2 }],
  ] as const) {
    it(`ranks and top-5 lists match full sorts of the whole matrix (${label})`, () => {
      const r = retrieveCaptions({ texts: set.texts, images: set.images, captionImage: set.captionImage, numImages: set.nI, dim: set.d, k: 5, similarity });
      expect(Array.from(r.imageRetrievalRanks)).toEqual(ref.imageRanks);
      expect(Array.from(r.textRetrievalRanks)).toEqual(ref.textRanks);
      for (let t = 0; t < set.captionImage.length; t++) expect(Array.from(r.imageRetrievalTop.indices.subarray(t * 5, t * 5 + 5))).toEqual(ref.imageTop[t]);
      for (let i = 0; i < set.nI; i++) expect(Array.from(r.textRetrievalTop.indices.subarray(i * 5, i * 5 + 5))).toEqual(ref.textTop[i]);
    });
  }

  it('the ranks vary (the fixture is not trivially perfect), and recall@k is the share of ranks ≤ k', () => {
    const r = retrieveCaptions({ texts: set.texts, images: set.images, captionImage: set.captionImage, numImages: set.nI, dim: set.d, k: 10 });
    expect(Math.max(...r.imageRetrievalRanks)).toBeGreaterThan(5);
    const m = captionRetrievalMetrics(r, [1, 5, 10], 1, 'test', 200);
    expect(Object.keys(m)).toEqual(metricNames([1, 5, 10]));
    expect(m['image_retrieval_recall@5'].mean).toBeCloseTo(ref.imageRanks.filter((x) => x <= 5).length / ref.imageRanks.length, 12);
    expect(m['text_retrieval_recall@1'].mean).toBeCloseTo(ref.textRanks.filter((x) => x <= 1).length / set.nI, 12);
    expect(m['image_retrieval_median_rank'].mean).toBe(medianRank(ref.imageRanks));
    const ci = m['image_retrieval_recall@5'].ci;
    expect(ci[0]).toBeLessThanOrEqual(m['image_retrieval_recall@5'].mean);
    expect(ci[1]).toBeGreaterThanOrEqual(m['image_retrieval_recall@5'].mean);
    expect(ci[1] - ci[0]).toBeGreaterThan(0);
  });

  it('text retrieval counts an image as found when any one of its captions is in the top k', () => {
    // Image 0 has captions 0 (far) and 1 (exact); image 1 has caption 2 (exact).
    const images = Float32Array.from([1, 0, 0, 1]);
    const texts = Float32Array.from([0.1, 1, 1, 0, 0, 1]);
    const r = retrieveCaptions({ texts, images, captionImage: Int32Array.from([0, 0, 1]), numImages: 2, dim: 2, k: 1 });
    expect(Array.from(r.textRetrievalRanks)).toEqual([1, 1]);
    // Caption 0 (0.1, 1) is closer to image 1: its image is second.
    expect(Array.from(r.imageRetrievalRanks)).toEqual([2, 1, 1]);
    expect(Array.from(hitsAtK(r.imageRetrievalRanks, 1))).toEqual([0, 1, 1]);
  });

  it('an image without a caption is an error, not a silent zero', () => {
    expect(() => retrieveCaptions({ texts: Float32Array.from([1, 0]), images: Float32Array.from([1, 0, 0, 1]), captionImage: Int32Array.from([0]), numImages: 2, dim: 2, k: 1 })).toThrow(/image 1 has no caption/);
  });

  it('blocks of the similarity are the products of the rows they cover', () => {
    const rng = new Rng(1);
    const q = gaussian(rng, 5 * 3);
    const items = gaussian(rng, 4 * 3);
    const seen: number[] = [];
    forEachSimilarityBlock(q, 5, items, 4, 3, (block, first, rows) => {
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < 4; i++) {
          let s = 0;
          for (let j = 0; j < 3; j++) s += q[(first + r) * 3 + j] * items[i * 3 + j];
          expect(block[r * 4 + i]).toBeCloseTo(s, 5);
        }
      seen.push(first);
    }, { blockRows: 2 });
    expect(seen).toEqual([0, 2, 4]);
  });
});

describe('caption retrieval with duplicate captions (exact ties)', () => {
  it('ties go to the lower index in ranks, as a stable sort orders them, whatever the kernel', () => {
    // Images 0..3; captions 0..7, two per image, and captions 1, 3, 5, 7 all the same text.
    const rng = new Rng(11);
    const d = 12;
    const images = gaussian(rng, 4 * d);
    const shared = gaussian(rng, d);
    const texts = new Float32Array(8 * d);
    for (let t = 0; t < 8; t++) texts.set(t % 2 ? shared : images.subarray((t >> 1) * d, (t >> 1) * d + d), t * d);
    const captionImage = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
    const ref = bruteForce({ images, texts, captionImage, nI: 4, d }, 4);
    for (const similarity of [{ blockRows: 3 }, { blockRows: 2, js: true }]) {
      const r = retrieveCaptions({ texts, images, captionImage, numImages: 4, dim: d, k: 4, similarity });
      expect(Array.from(r.imageRetrievalRanks)).toEqual(ref.imageRanks);
      expect(Array.from(r.textRetrievalRanks)).toEqual(ref.textRanks);
    }
  });
});
