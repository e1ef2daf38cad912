/** What one export answered on one test set, per example: the values a paired comparison reads (from a fresh run or a stored one). */
import type { ClassRestriction } from '../datasets/natural-shifts.ts';
import { predictionsFromScores, restrictToClasses } from '../evaluation/metrics.ts';
import { topKClasses } from '../evaluation/top-k.ts';
import type { Shots } from '../evaluation/linear-probe.ts';

/** Zero-shot's answers per row: the prediction, the min(5, K) best classes (best first), and the logits when known. */
export interface ZeroShotOutcomes {
  predictions: Int32Array;
  /** [n, top5Width] class indices, column 0 = the prediction. */
  top5: Int32Array;
  top5Width: number;
  /** Logits [n, K]; null when they were not kept (a stored run keeps the top-5 only, unless its embeddings are cached). */
  scores: Float32Array | null;
}

/** What one export produced on one test set: everything a paired comparison needs, per example. */
export interface ExportOutcomes {
  name: string;
  files: { role: string; sha256: string; bytes: number }[];
  dim: number;
  /** Image embeddings [n, dim]; null when unavailable (a stored run whose features are not in the cache). */
  testFeats: Float32Array | null;
  /** Why testFeats is null. */
  featsUnavailable?: string;
  /** testFeats holds only the seeded embedding rows (a stored baseline), not every row. */
  embeddingRowsOnly?: boolean;
  /** Ensembled class embeddings [K, d] (null without a text tower, or when not cached for a stored run). */
  classifier: Float32Array | null;
  zeroShot: ZeroShotOutcomes | null;
  /** Per shot count, per seed, in draw order. */
  probes: Map<Shots, { seed: number; C: number; predictions: Int32Array }[]>;
  /** Encode throughput on the test rows (images/s, uncached rows only; null when every row was cached). */
  imagesPerSecond: number | null;
}

/** One export's outcomes on one test set, with the rows they belong to (what pairing checks). */
export interface TestSetOutcomes {
  /** 'none' for the clean rows, else the shift's label as bench records it (e.g. "gaussian_noise:3", "quickdraw (9 classes)"). */
  label: string;
  /** The image shift applied to the rows ('none' for clean and natural-shift sets); a seeded corruption's id names its seed. */
  shiftId: string;
  testIdentity: string;
  testIdx: Int32Array;
  labels: Int32Array;
  outcomes: ExportOutcomes;
}

/** Zero-shot answers from logits (restricted as a natural shift is scored, see naturalShiftVariants). */
export function zeroShotOutcomes(scores: Float32Array, numClasses: number, restriction?: ClassRestriction): ZeroShotOutcomes {
  const s = restrictToClasses(scores, numClasses, restriction);
  const top = topKClasses(s, numClasses, 5);
  return { predictions: predictionsFromScores(s, numClasses), top5: top.classes, top5Width: top.width, scores: s };
}
