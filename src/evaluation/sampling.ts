import { Rng, deriveSeed } from '../util/rng.ts';

export interface ShortClass {
  class: number;
  /** Examples of this class in the pool. */
  available: number;
  /** Train + val examples the draw asked for. */
  requested: number;
}

export interface KShotSample {
  /** Indices into the pool, grouped by class (ascending), each group in its drawn order. */
  train: Int32Array;
  /** Indices into the pool, disjoint from `train`. */
  val: Int32Array;
  /** Classes that could not supply k + val examples (they keep whatever exists). */
  shortClasses: ShortClass[];
}

export interface KShotOptions {
  /** Validation examples per class for k shots. Default min(k, 4) (CoOp lpclip). */
  valPerClass?: (k: number) => number;
  /** For k = 'all': the fraction of each class carved off for validation. Default 0.1. */
  valFraction?: number;
}

/**
 * k-shot draw from a training pool (CLIP_benchmark / CoOp lpclip protocol, with validation carved
 * from the same pool and kept disjoint — CLIP_benchmark issue #125 was exactly that leak).
 * Per class c, a permutation of the class's pool indices seeded by deriveSeed(seed, `kshot/class-c`);
 * the first k go to train and the next valPerClass(k) to val. Seeding each class separately keeps a
 * class's draw independent of the other classes, and the same seed gives nested draws across k
 * (the 2-shot train set contains the 1-shot one).
 *
 * k = 'all': every example is used; per class, v = round(valFraction · count) (at least 1 when the class
 * has ≥ 2 examples) go to val — the last v of the permutation — and the rest to train.
 *
 * A class with fewer examples than requested gives train what it has first (up to k), then val; it is
 * listed in `shortClasses`, never dropped silently. In 'all' mode a class with no examples is listed.
 */
export function sampleKShot(
  labels: Int32Array,
  numClasses: number,
  k: number | 'all',
  seed: number,
  options: KShotOptions = {},
): KShotSample {
  if (k !== 'all' && !(Number.isInteger(k) && k >= 1)) throw new Error(`sampleKShot: k must be a positive integer or 'all', got ${k}`);
  const valFraction = options.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`sampleKShot: valFraction must be in [0, 1), got ${valFraction}`);
  const valPerClass = options.valPerClass ?? ((kk: number) => Math.min(kk, 4));

  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses)) throw new Error(`sampleKShot: label ${c} at index ${i} is outside 0..${numClasses - 1}`);
    byClass[c].push(i);
  }

  const train: number[] = [];
  const val: number[] = [];
  const shortClasses: ShortClass[] = [];
  for (let c = 0; c < numClasses; c++) {
    const pool = byClass[c];
    const perm = new Rng(deriveSeed(seed, `kshot/class-${c}`)).permutation(pool.length);
    let nTrain: number;
    let nVal: number;
    if (k === 'all') {
      nVal = pool.length >= 2 ? Math.max(1, Math.round(valFraction * pool.length)) : 0;
      if (valFraction === 0) nVal = 0;
      nTrain = pool.length - nVal;
      if (pool.length === 0) shortClasses.push({ class: c, available: 0, requested: 1 });
    } else {
      const v = valPerClass(k);
      if (!(Number.isInteger(v) && v >= 0)) throw new Error(`sampleKShot: valPerClass(${k}) must be a non-negative integer, got ${v}`);
      nTrain = Math.min(k, pool.length);
      nVal = Math.min(v, pool.length - nTrain);
      if (pool.length < k + v) shortClasses.push({ class: c, available: pool.length, requested: k + v });
    }
    for (let j = 0; j < nTrain; j++) train.push(pool[perm[j]]);
    for (let j = nTrain; j < nTrain + nVal; j++) val.push(pool[perm[j]]);
  }
  return { train: Int32Array.from(train), val: Int32Array.from(val), shortClasses };
}

/**
 * The draw for a dataset that names its own validation list (CoOp split files), as CoOp makes it
 * (KaiyangZhou/CoOp `datasets/*.py`: `train = generate_fewshot_dataset(train, num_shots=k)`,
 * `val = generate_fewshot_dataset(val, num_shots=min(k, 4))`; Dassl.pytorch
 * `DatasetBase.generate_fewshot_dataset`): k per class from the train list and min(k, 4) per class from
 * the val list, each a draw without replacement within the class; k = 'all' (CoOp's num_shots < 1) takes
 * both lists whole. Indices are into the pool "train rows, then val rows": a val row j is trainLabels.length + j.
 * The train part is exactly sampleKShot's train draw (same per-class seeds, nested across k); the val part
 * has its own seed stream. A class short of examples keeps what it has and is listed in shortClasses
 * (Dassl's default repeat=True would draw duplicates with replacement instead; the harness never repeats rows).
 */
export function sampleKShotFromLists(
  trainLabels: Int32Array,
  valLabels: Int32Array,
  numClasses: number,
  k: number | 'all',
  seed: number,
  options: Pick<KShotOptions, 'valPerClass'> = {},
): KShotSample {
  const only = { valPerClass: () => 0, valFraction: 0 };
  const v = k === 'all' ? 'all' : (options.valPerClass ?? ((kk: number) => Math.min(kk, 4)))(k);
  const train = sampleKShot(trainLabels, numClasses, k, seed, only);
  const val = v === 0 ? new Int32Array(0) : sampleKShot(valLabels, numClasses, v, deriveSeed(seed, 'kshot/val-list'), only).train.map((j) => j + trainLabels.length);
  const count = (labels: Int32Array) => {
    const n = new Int32Array(numClasses);
    for (const y of labels) n[y]++;
    return n;
  };
  const nTrain = count(trainLabels);
  const nVal = count(valLabels);
  const shortClasses: ShortClass[] = [];
  for (let c = 0; c < numClasses; c++) {
    if (k === 'all') {
      if (nTrain[c] === 0) shortClasses.push({ class: c, available: 0, requested: 1 });
    } else if (nTrain[c] < k || nVal[c] < (v as number)) {
      // What the two lists could give of what was asked (a class with 10 train rows but 1 val row gives 5 of 8 at k = 4).
      shortClasses.push({ class: c, available: Math.min(nTrain[c], k) + Math.min(nVal[c], v as number), requested: k + (v as number) });
    }
  }
  return { train: train.train, val, shortClasses };
}
