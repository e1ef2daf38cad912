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
  /** The linear probe of this draw (CLIP A.3: C chosen on val, refit on train + val). */
  probe: { weights: LinearWeights; C: number };
  /** Fits the project's linear probe at one C on some rows (e.g. train only, to choose on val). */
  fitProbe: (C: number, rows: FeatureRows) => LinearWeights;
  settings: ProbeSettings;
  seed: number;
}

/** One point of a method's curve (e.g. WiSE's α): its own scorer, scored on every test set. */
export interface CurvePoint {
  value: number;
  score: Scorer;
  /** When the point is a linear head (saved with --save-heads). */
  linear?: LinearWeights;
}

export interface FittedMethod {
  score: Scorer;
  /** What it chose (or fixed), e.g. { alpha, beta }; recorded per seed in results.json. */
  hyperparameters: Record<string, number>;
  /** 'validation': chosen on the draw's validation rows; 'fixed': no validation rows, defaults used; 'none': nothing to choose. */
  selection: 'validation' | 'fixed' | 'none';
  /** One sentence when what ran is not the method's usual protocol. */
  note?: string;
  /** The fitted head when the method is linear on normalised features. */
  linear?: LinearWeights;
  curve?: { parameter: string; points: CurvePoint[] };
}

export interface FewShotMethod {
  fit(ctx: MethodContext): FittedMethod;
}
