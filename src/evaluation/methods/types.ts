/**
 * The contract every few-shot method on frozen features meets (STYLE "a method is one file"): it turns
 * the k-shot train rows, the validation rows, the zero-shot head and the linear probe of the same draw
 * into a scorer plus the hyperparameters it chose, like an sklearn estimator's `fit`. Features are
 * L2-normalised row-major Float32Array [n, d]; scores are logits [n, K].
 */
import type { LinearWeights } from '../probe/index.ts';
import type { ProbeSettings } from '../linear-probe.ts';

/** Normalised feature rows with their labels. */
export interface FeatureRows {
  X: Float32Array;
  y: Int32Array;
  n: number;
}

/** Test features (normalised) → logits [n, K]. */
export type Scorer = (X: Float32Array, n: number) => Float32Array;

export interface MethodContext {
  train: FeatureRows;
  /** The draw's validation rows (disjoint from train; empty when a class had none left). Never test rows. */
  val: FeatureRows;
  d: number;
  numClasses: number;
  /** The zero-shot head: unit class embeddings W_zs [K, d] (prompt-ensembled) and the logit scale s. */
  zeroShot: { W: Float32Array; scale: number };
  /**
   * The linear probe of this draw (CLIP A.3: C chosen on val, refit on train + val), and, when C was searched,
   * the search's own fit at that C on the train rows alone (what chose C on val). Given to the methods whose
   * registry entry says `needsProbe`; the others fit in parallel with the probe and do not see it.
   */
  probe?: { weights: LinearWeights; C: number; trainWeights?: LinearWeights };
  /** Fits the project's linear probe at one C on some rows (e.g. train only, to choose on val). */
  fitProbe: (C: number, rows: FeatureRows) => LinearWeights;
  settings: ProbeSettings;
  seed: number;
}

/** Tip-Adapter's cache: keys [N, d] (normalised train features, or Tip-Adapter-F's fine-tuned ones) and their labels. */
export interface TipCache {
  keys: Float32Array;
  labels: Int32Array;
  N: number;
}

/** Tip-Adapter's model: the cache beside the zero-shot head (unit class embeddings W [K, d], logit scale). */
export interface TipHead {
  cache: TipCache;
  W: Float32Array;
  scale: number;
  K: number;
  d: number;
}

/**
 * What a fitted method scores with, as plain data: a linear head on normalised features, or Tip-Adapter's
 * cache model. Plain data so that a fit made on a probe worker reaches the main thread whole (structured
 * clone), and so that linear heads can be saved (--save-heads); head.ts scores either.
 */
export type MethodHead =
  | { kind: 'linear'; weights: LinearWeights }
  | { kind: 'tip-adapter'; tip: TipHead; alpha: number; beta: number };

/** One point of a method's curve (e.g. WiSE's α): its own head, scored on every test set. */
export interface CurvePoint {
  value: number;
  head: MethodHead;
}

export interface FittedMethod {
  head: MethodHead;
  /** What it chose (or fixed), e.g. { alpha, beta }; recorded per seed in results.json. */
  hyperparameters: Record<string, number>;
  /** 'validation': chosen on the draw's validation rows; 'fixed': no validation rows, defaults used; 'none': nothing to choose. */
  selection: 'validation' | 'fixed' | 'none';
  /** One sentence when what ran is not the method's usual protocol. */
  note?: string;
  curve?: { parameter: string; points: CurvePoint[] };
}

export interface FewShotMethod {
  fit(ctx: MethodContext): FittedMethod;
}
