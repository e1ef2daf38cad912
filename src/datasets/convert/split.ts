import { deriveSeed, Rng } from '../../util/rng.ts';

/**
 * Seeded stratified hold-out: within each class, a seeded permutation of that class's examples;
 * the first round(n × testFraction) go to test. Per-class seeds come from (seed, class name), so
 * adding a class never reshuffles the others. Returns a test-membership mask in source order.
 */
export function stratifiedTestMask(labels: ArrayLike<number>, classNames: readonly string[], seed: number, testFraction: number): Uint8Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  }
  const mask = new Uint8Array(labels.length);
  for (const [c, idx] of byClass) {
    const perm = new Rng(deriveSeed(seed, classNames[c] ?? String(c))).permutation(idx.length);
    const nTest = Math.round(idx.length * testFraction);
    for (let k = 0; k < nTest; k++) mask[idx[perm[k]]] = 1;
  }
  return mask;
}
