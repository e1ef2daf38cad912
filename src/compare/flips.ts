/**
 * Where two classifiers' predictions differ on the same rows: per true class, negative flips (reference
 * right, candidate wrong) and positive flips (Yan et al. 2021, "Positive-Congruent Training"), and the most
 * frequent (true class, reference prediction → candidate prediction) changes. Counts, so a probe's seeds
 * (each scoring the same rows) add up.
 */

/** How many of the most frequent prediction changes a comparison keeps. */
export const TOP_FLIP_PAIRS = 10;

export interface FlipTable {
  /** Rows scored (summed over seeds for a probe). */
  n: number;
  /** Rows whose predicted class changed (right → wrong, wrong → right, or wrong → another wrong class). */
  changed: number;
  perClass: { class: string; n: number; negative: number; positive: number }[];
  /** The most frequent changes, most frequent first (ties in true, reference, candidate class order). */
  pairs: { trueClass: string; reference: string; candidate: string; kind: 'negative' | 'positive' | 'wrong to wrong'; count: number }[];
}

/** Flip counts of one or more (reference, candidate) prediction pairs over the same labelled rows. */
export function flipTable(classes: readonly string[], labels: Int32Array, predictions: { reference: Int32Array; candidate: Int32Array }[], top = TOP_FLIP_PAIRS): FlipTable {
  const K = classes.length;
  const perClass = classes.map((c) => ({ class: c, n: 0, negative: 0, positive: 0 }));
  // (true, reference, candidate) → count, keyed as one integer; only changed rows are stored.
  const changes = new Map<number, number>();
  let n = 0;
  for (const { reference, candidate } of predictions) {
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i];
      const r = reference[i];
      const c = candidate[i];
      n++;
      perClass[y].n++;
      if (r === c) continue;
      if (r === y) perClass[y].negative++;
      else if (c === y) perClass[y].positive++;
      const key = (y * K + r) * K + c;
      changes.set(key, (changes.get(key) ?? 0) + 1);
    }
  }
  const pairs = [...changes]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, top)
    .map(([key, count]) => {
      const y = Math.floor(key / (K * K));
      const r = Math.floor(key / K) % K;
      const c = key % K;
      return { trueClass: classes[y], reference: classes[r], candidate: classes[c], kind: r === y ? ('negative' as const) : c === y ? ('positive' as const) : ('wrong to wrong' as const), count };
    });
  return { n, changed: [...changes.values()].reduce((a, b) => a + b, 0), perClass, pairs };
}
