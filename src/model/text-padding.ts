/**
 * Padding of tokenized text batches. A row's attention mask is 1 from its start token to its end
 * token, so its sum is the row's length in tokens; everything after is padding (0 for OpenAI exports,
 * <|endoftext|> for Hugging Face ones), which a causal text tower never attends to from the end token.
 */
import type { TokenizedBatch } from './tokenizer/spec.ts';

function rowLength(batch: TokenizedBatch, r: number): number {
  const L = batch.contextLength;
  let n = 0;
  for (let i = r * L; i < (r + 1) * L; i++) n += batch.attentionMask[i];
  return Math.max(1, n);
}

/** Tokens of the longest of rows [start, start+count): the width the batch can be cut to. */
export function longestRow(batch: TokenizedBatch, start: number, count: number): number {
  let longest = 1;
  for (let r = start; r < start + count; r++) longest = Math.max(longest, rowLength(batch, r));
  return longest;
}

/** The row with the fewest tokens (the most padding) and its length. */
export function shortestRow(batch: TokenizedBatch): { row: number; length: number } {
  let best = { row: 0, length: Infinity };
  for (let r = 0; r < batch.n; r++) {
    const length = rowLength(batch, r);
    if (length < best.length) best = { row: r, length };
  }
  return best;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb || 1);
}
