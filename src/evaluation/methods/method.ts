/**
 * What a method is (STYLE: "a method is one file"): like an sklearn estimator, it turns the labelled rows
 * of one k-shot draw and the zero-shot head into a fitted scorer, plus the hyperparameters it chose.
 */
import type { ProbeFitProgress, ProbeSettings } from '../linear-probe.ts';

/** Labelled rows of one split: raw (unnormalised) image features [n, dim] and their labels [n]. */
export interface LabelledRows {
  features: Float32Array;
  labels: Int32Array;
  n: number;
}

/** The zero-shot head of a dataset: its prompts' text embeddings [K·T, dim], class-major, and the model's logit scale. */
export interface ZeroShotHeadInput {
  textEmb: Float32Array;
  numTemplates: number;
  logitScale: number;
}

export interface MethodInputs {
  /** The k-shot training draw; null when the dataset has no train split. */
  train: LabelledRows | null;
  /** The validation draw, disjoint from train (may have n = 0); what hyperparameters are chosen on. */
  val: LabelledRows | null;
  /** null without a text tower or with --no-zero-shot. */
  zeroShotHead: ZeroShotHeadInput | null;
  numClasses: number;
  dim: number;
  settings: ProbeSettings;
  onProgress?: (p: ProbeFitProgress) => void;
}

export interface FittedMethod {
  /** Class scores [n, K] for raw image features [n, dim] of any test set (clean or shifted): no refitting. */
  score(features: Float32Array, n: number): Float32Array;
  /** The hyperparameters it chose, by name (e.g. { C: 0.316 }); {} for a method that has none. */
  chosen: Record<string, number>;
  /** How they were chosen, as the results record words it: "sweep", "fixed: solver-ignores-C", "none". */
  selection: string;
}

export interface Method {
  /** Registry key, as a user would type it. */
  name: string;
  description: string;
  /** What fit reads: a method that needs what a run lacks (no train split, no text tower) is skipped with a reason. */
  needs: { labelledRows: boolean; zeroShotHead: boolean };
  /** The grid it searches under these settings, per hyperparameter ({} for none). */
  grid(settings: ProbeSettings): Record<string, readonly number[]>;
  fit(inputs: MethodInputs): FittedMethod;
}
