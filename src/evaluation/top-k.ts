/**
 * The k highest-scoring classes per row, best first, ties broken by class index as arg-max breaks them
 * (so column 0 is always `predictionsFromScores`' prediction, and top-k accuracy counts the same hits).
 */
export function topKClasses(scores: Float32Array, numClasses: number, k: number): { classes: Int32Array; width: number } {
  const n = scores.length / numClasses;
  const width = Math.min(k, numClasses);
  const out = new Int32Array(n * width);
  const best = new Int32Array(width);
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    // Insertion into a sorted list of `width` (k is 5): O(K·k), no allocation per row.
    let filled = 0;
    for (let c = 0; c < numClasses; c++) {
      const s = scores[o + c];
      let pos = filled;
      // A later class with an equal score ranks after the earlier one (strict >).
      while (pos > 0 && s > scores[o + best[pos - 1]]) pos--;
      if (pos >= width) continue;
      for (let j = Math.min(filled, width - 1); j > pos; j--) best[j] = best[j - 1];
      best[pos] = c;
      if (filled < width) filled++;
    }
    out.set(best, i * width);
  }
  return { classes: out, width };
}

/** Mean |top-k(a) ∩ top-k(b)| / k over rows: how much of the ranked shortlist two classifiers share. */
export function topKOverlap(a: ArrayLike<number>, b: ArrayLike<number>, width: number): number {
  if (a.length !== b.length || a.length % width !== 0) throw new Error(`topKOverlap: ${a.length} and ${b.length} entries for rows of ${width}`);
  const n = a.length / width;
  let shared = 0;
  for (let i = 0; i < n; i++) {
    const o = i * width;
    for (let x = 0; x < width; x++) {
      const v = a[o + x];
      for (let y = 0; y < width; y++)
        if (b[o + y] === v) {
          shared++;
          break;
        }
    }
  }
  return n ? shared / (n * width) : 1;
}
