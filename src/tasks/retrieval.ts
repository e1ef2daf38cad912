/**
 * Retrieval: text queries ranking images. On a labelled set each class's prompt ensemble is a query and its
 * images are relevant (mAP, precision@k, recall@k); on a captioned set captions and images retrieve each other
 * (CLIP_benchmark's image_retrieval_recall@k, text_retrieval_recall@k, plus median ranks). Scored in
 * src/evaluation/class-retrieval.ts and retrieval.ts; run by src/pipeline/retrieval-bench.ts.
 */
import { classRetrieval, type ClassRetrievalResult } from '../evaluation/class-retrieval.ts';
import type { Task } from './task.ts';

/** Class retrieval's seed when the task is scored through the registry (the pipeline derives one per test set). */
const REGISTRY_SEED = 20210226;

export const RETRIEVAL: Task<ClassRetrievalResult> = {
  name: 'retrieval',
  description: 'text-to-image retrieval: class prompts over a labelled set (mAP, P@k, R@k), or captions both ways (CLIP_benchmark recall@k, median rank)',
  encodes: ['images', 'class-prompts', 'captions'],
  score: (scores, labels, numClasses) => classRetrieval(scores, labels, numClasses, { seed: REGISTRY_SEED, resamples: 1000 }),
  writes: [],
  writesRun: ['task', 'retrieval'],
};
