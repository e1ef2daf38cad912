/**
 * Caption retrieval (CLIP_benchmark `metrics/zeroshot_retrieval.py`): captions and images embedded and
 * L2-normalised, scores = texts · imagesᵀ. Text→image ("image retrieval"): each caption is a query, its one
 * image is relevant. Image→text ("text retrieval"): each image is a query, all its captions are relevant.
 *
 * One pass over blocks of caption rows (similarity.ts) keeps, per caption, its top-k images and, per image,
 * its top-k captions (partial selection: a k-long sorted list per query, never a sort of a row), and counts
 * for every query the non-relevant items ranked above its best relevant one (ties to the lower index): that
 * count + 1 is the rank of the first relevant item, from which recall@k (rank ≤ k) and the median rank follow. Memory: the block, the
 * k-lists and the ranks; never the n × m matrix.
 */
import { l2NormalizeRows } from './normalize.ts';
import { forEachSimilarityBlock, type SimilarityOptions } from './similarity.ts';

/** The k best items of every query, best first; ties go to the lower item index. [queries, k] row-major. */
export interface TopK {
  k: number;
  indices: Int32Array;
  scores: Float32Array;
}

export interface CaptionRetrieval {
  /** Per caption: the 1-based rank of its image among all images. */
  imageRetrievalRanks: Int32Array;
  /** Per image: the 1-based rank of its best-ranked caption among all captions. */
  textRetrievalRanks: Int32Array;
  /** Per caption, its top-k images. */
  imageRetrievalTop: TopK;
  /** Per image, its top-k captions. */
  textRetrievalTop: TopK;
}

/** Inserts (score, index) into a list sorted best first, kept at length k; `fill` entries are valid. */
function insertTop(scores: Float32Array, indices: Int32Array, off: number, k: number, fill: number, s: number, idx: number): void {
  let pos = Math.min(fill, k - 1);
  while (pos > 0 && s > scores[off + pos - 1]) {
    scores[off + pos] = scores[off + pos - 1];
    indices[off + pos] = indices[off + pos - 1];
    pos--;
  }
  scores[off + pos] = s;
  indices[off + pos] = idx;
}

/**
 * A block score this close to a query's relevant score is re-decided in float64: float32 products of unit
 * vectors differ from float64 ones by ~1e-6 (summation order, rounding), far below this guard.
 */
const GUARD = 1e-4;

/** The images of every caption, checked: each caption names an image, each image has a caption. */
function checkCaptionImage(captionImage: Int32Array, numImages: number): void {
  const has = new Uint8Array(numImages);
  for (let t = 0; t < captionImage.length; t++) {
    const i = captionImage[t];
    if (!(i >= 0 && i < numImages)) throw new Error(`caption ${t} names image ${i}, outside 0..${numImages - 1}`);
    has[i] = 1;
  }
  const missing = has.indexOf(0);
  if (missing >= 0) throw new Error(`image ${missing} has no caption: text retrieval for it is undefined`);
}

/**
 * Both retrieval directions from raw embeddings: texts [numTexts, dim], images [numImages, dim],
 * captionImage[t] = the image row of caption t. `k` is the length of the kept top lists (≥ the largest
 * recall@k asked for, capped by the number of items).
 */
export function retrieveCaptions(args: {
  texts: Float32Array;
  images: Float32Array;
  captionImage: Int32Array;
  numImages: number;
  dim: number;
  k: number;
  similarity?: SimilarityOptions;
}): CaptionRetrieval {
  const { captionImage, numImages: nI, dim: d } = args;
  const nT = captionImage.length;
  if (args.texts.length !== nT * d || args.images.length !== nI * d) throw new Error(`retrieveCaptions: ${args.texts.length} and ${args.images.length} values for ${nT} captions and ${nI} images of ${d}`);
  checkCaptionImage(captionImage, nI);
  const texts = l2NormalizeRows(args.texts, nT, d);
  const images = l2NormalizeRows(args.images, nI, d);

  // The score of each query's best relevant item, in float64 from the normalised rows. A block score (float32,
  // another summation order) within GUARD of it is recomputed in float64 before it is compared, so ranks are
  // those of float64 scores, ties (duplicate captions) going to the lower index as a stable sort orders them.
  const dot64 = (t: number, i: number) => {
    let x = 0;
    for (let j = 0; j < d; j++) x += texts[t * d + j] * images[i * d + j];
    return x;
  };
  const captionScore = new Float64Array(nT);
  const bestCaption = new Float64Array(nI).fill(-Infinity);
  for (let t = 0; t < nT; t++) {
    const i = captionImage[t];
    const s = dot64(t, i);
    captionScore[t] = s;
    if (s > bestCaption[i]) bestCaption[i] = s;
  }
  // Per image, its first-ranked relevant caption: the lowest index among those with the best score.
  const firstCaption = new Int32Array(nI).fill(nT);
  for (let t = 0; t < nT; t++) {
    const i = captionImage[t];
    if (captionScore[t] === bestCaption[i] && t < firstCaption[i]) firstCaption[i] = t;
  }
  /** Whether item score s (float32, of pair t, i) ranks above a relevant score `rel` held by index `relIndex`. */
  const ranksAbove = (s: number, rel: number, t: number, i: number, index: number, relIndex: number) => {
    if (s > rel + GUARD) return true;
    if (s < rel - GUARD) return false;
    const x = dot64(t, i);
    return x > rel || (x === rel && index < relIndex);
  };

  const kI = Math.min(args.k, nI);
  const kT = Math.min(args.k, nT);
  const rowTop: TopK = { k: kI, indices: new Int32Array(nT * kI), scores: new Float32Array(nT * kI) };
  const colTop: TopK = { k: kT, indices: new Int32Array(nI * kT), scores: new Float32Array(nI * kT) };
  const colFill = new Int32Array(nI);
  const colMin = new Float32Array(nI).fill(-Infinity); // the k-th best so far (−∞ until k are kept)
  const imageAbove = new Int32Array(nT); // per caption: other images above its image
  const textAbove = new Int32Array(nI); // per image: other images' captions above its best caption

  // Fast path: most scores beat neither a row's nor a column's threshold (the lower of its k-th best and its
  // best relevant score), so each score costs two comparisons.
  const colThr = new Float64Array(nI).fill(-Infinity);
  forEachSimilarityBlock(
    texts,
    nT,
    images,
    nI,
    d,
    (block, first, rows) => {
      for (let r = 0; r < rows; r++) {
        const t = first + r;
        const o = r * nI;
        const own = captionImage[t];
        const rel = captionScore[t];
        const rOff = t * kI;
        let fill = 0;
        let rowMin = -Infinity;
        let rowThr = -Infinity;
        let above = 0;
        for (let i = 0; i < nI; i++) {
          const s = block[o + i];
          if (s > rowThr) {
            if (i !== own && ranksAbove(s, rel, t, i, i, own)) above++;
            if (fill < kI || s > rowMin) {
              insertTop(rowTop.scores, rowTop.indices, rOff, kI, fill, s, i);
              if (fill < kI) fill++;
              if (fill === kI) {
                rowMin = rowTop.scores[rOff + kI - 1];
                rowThr = Math.min(rowMin, rel - GUARD);
              }
            }
          }
          if (s > colThr[i]) {
            if (i !== own && ranksAbove(s, bestCaption[i], t, i, t, firstCaption[i])) textAbove[i]++;
            const f = colFill[i];
            if (f < kT || s > colMin[i]) {
              insertTop(colTop.scores, colTop.indices, i * kT, kT, f, s, t);
              if (f < kT) colFill[i] = f + 1;
              if (colFill[i] === kT) {
                colMin[i] = colTop.scores[i * kT + kT - 1];
                colThr[i] = Math.min(colMin[i], bestCaption[i] - GUARD);
              }
            }
          }
        }
        imageAbove[t] = above;
      }
    },
    args.similarity,
  );
  return {
    imageRetrievalRanks: imageAbove.map((a) => a + 1),
    textRetrievalRanks: textAbove.map((a) => a + 1),
    imageRetrievalTop: rowTop,
    textRetrievalTop: colTop,
  };
}

/** 1 where the query's first relevant item is within the top k. */
export const hitsAtK = (ranks: Int32Array, k: number): Uint8Array => Uint8Array.from(ranks, (r) => (r <= k ? 1 : 0));
