/**
 * Scoring a fitted method's head (types.ts MethodHead): linear heads through the probe's linearScores,
 * Tip-Adapter's cache model through its formula. Test features come L2-normalised, as the methods saw them.
 */
import type { LinearWeights } from '../probe/index.ts';
import { linearScores } from '../probe/logistic-regression.ts';
import { tipAdapterLogits } from './tip-adapter.ts';
import type { MethodHead } from './types.ts';

export function linearHead(weights: LinearWeights): MethodHead {
  return { kind: 'linear', weights };
}

/** The head's weights when it is linear (saved with --save-heads), else undefined. */
export function linearOf(head: MethodHead): LinearWeights | undefined {
  return head.kind === 'linear' ? head.weights : undefined;
}

/** Logits [n, K] of normalised features X [n, d]. */
export function scoreHead(head: MethodHead, X: Float32Array, n: number): Float32Array {
  return head.kind === 'linear' ? linearScores(head.weights, X, n) : tipAdapterLogits(head.tip, X, n, head.alpha, head.beta);
}
