/** Zero-shot (CLIP §3.1.4): the prompt-ensembled class embeddings are the head; nothing is fitted, nothing chosen. */
import { zeroShotClassifier, zeroShotLogits } from '../zeroshot.ts';
import type { Method } from './method.ts';

export const ZERO_SHOT: Method = {
  name: 'zero-shot',
  description: 'cosine similarity to the prompt-ensembled class embeddings, times the logit scale (CLIP §3.1.4)',
  needs: { labelledRows: false, zeroShotHead: true },
  grid: () => ({}),
  fit({ zeroShotHead: head, numClasses, dim }) {
    if (!head) throw new Error('zero-shot: needs the zero-shot head (a text tower)');
    const classifier = zeroShotClassifier(head.textEmb, numClasses, head.numTemplates, dim);
    return { score: (features, n) => zeroShotLogits(features, n, classifier, numClasses, dim, head.logitScale), chosen: {}, selection: 'none' };
  },
};
