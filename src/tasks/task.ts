/**
 * What a task is (STYLE: "a task is one module"): what it needs encoded, how it scores one scorer's output on
 * one test set, and which fields of a dataset's results record it fills. Reports read only those fields.
 */
import type { BenchResults, DatasetResult } from '../results/schema.ts';

/** An input a task has encoded: images, the class-name prompts (zero-shot head), or per-image captions (retrieval). */
export type Encoded = 'images' | 'class-prompts' | 'captions';

export interface Task<Metrics = unknown> {
  /** Registry key. */
  name: string;
  description: string;
  encodes: readonly Encoded[];
  /** The task's metrics for one scorer on one test set: scores [n, K] against labels [n]. */
  score(scores: Float32Array, labels: Int32Array, numClasses: number): Metrics;
  /** The fields of a DatasetResult it writes (its part of the results schema). */
  writes: readonly (keyof DatasetResult)[];
  /** The fields of the run record it writes besides dataset records (retrieval: its own record list). */
  writesRun?: readonly (keyof BenchResults)[];
}
