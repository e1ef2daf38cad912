/** Classification: one label per image among K classes; top-1/top-5, balanced accuracy and the confusion matrix of every method. */
import { classificationMetrics, type Metrics } from '../evaluation/metrics.ts';
import type { Task } from './task.ts';

export const CLASSIFICATION: Task<Metrics> = {
  name: 'classification',
  description: 'zero-shot and k-shot probe accuracy over K classes (CLIP §3.1, A.3), per test set, clean and shifted',
  encodes: ['images', 'class-prompts'],
  score: classificationMetrics,
  writes: ['zeroShot', 'probes', 'breakEvenShots', 'outcomes'],
};
