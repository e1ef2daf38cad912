/**
 * `--load-heads dir`: score the linear heads a `--save-heads` run wrote on another dataset with the same
 * class list, and on every --shift test set bench accepts (corruptions, released files, natural shifts),
 * without refitting. The manifest's class list and model hashes
 * must match the dataset and the model given, else one UserError before anything is written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClipModel } from '../model/clip-model.ts';
import type { Dataset } from '../datasets/types.ts';
import { extractImageFeatures } from '../features/extract.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { corruptionShift, NO_SHIFT, type ImageShift } from '../features/shift.ts';
import { scoreProbe } from '../evaluation/linear-probe.ts';
import { classificationMetrics, correctness, restrictToClasses } from '../evaluation/metrics.ts';
import { naturalShiftVariants, type ClassRestriction } from '../datasets/natural-shifts.ts';
import { zeroShotEstimates } from '../evaluation/estimates.ts';
import type { Estimate } from '../results/schema.ts';
import { decodeNpy } from '../util/npy.ts';
import { UserError } from '../util/errors.ts';
import { deriveSeed } from '../util/rng.ts';
import { HEADS_SCHEMA, type HeadsManifest } from './heads.ts';
import type { BenchOptions } from './options.ts';
import type { PreparedDataset } from './bench.ts';
import { BOOTSTRAP_SEED } from './record.ts';

export async function readHeadsManifest(dir: string): Promise<HeadsManifest> {
  const path = join(dir, 'manifest.json');
  let m: HeadsManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new UserError(`--load-heads ${dir}: cannot read ${path}; give the folder --save-heads wrote for one dataset (e.g. heads/cifar10)`);
  }
  if (m?.schema !== HEADS_SCHEMA || !Array.isArray(m.heads) || !Array.isArray(m.classes)) throw new UserError(`--load-heads ${dir}: ${path} is not a clip-bench heads manifest (schema "${HEADS_SCHEMA}")`);
  return m;
}

/** The dataset's class list must be the heads' (same names, same order): a head's row c is class c. */
export function checkHeadClasses(m: HeadsManifest, ds: Dataset, dir: string): void {
  const same = m.classes.length === ds.classes.length && m.classes.every((c, i) => c === ds.classes[i]);
  if (!same) {
    const diff = m.classes.length !== ds.classes.length ? `${m.classes.length} classes vs ${ds.classes.length}` : `class ${m.classes.findIndex((c, i) => c !== ds.classes[i])} is "${m.classes.find((c, i) => c !== ds.classes[i])}" in the heads but "${ds.classes[m.classes.findIndex((c, i) => c !== ds.classes[i])]}" in ${ds.name}`;
    throw new UserError(`--load-heads ${dir}: the heads were fitted on ${m.dataset}'s class list and ${ds.name}'s differs (${diff}); a head scores only a dataset with the same classes in the same order`);
  }
}

/** The heads were fitted on this model's embeddings: the same file hashes. */
export function checkHeadModel(m: HeadsManifest, model: ClipModel, dir: string): void {
  const want = m.model.files.map((f) => `${f.role}:${f.sha256}`).sort().join(' ');
  const have = model.files.map((f) => `${f.role}:${f.sha256}`).sort().join(' ');
  if (want !== have) throw new UserError(`--load-heads ${dir}: the heads were fitted on ${m.model.name} (${m.model.ref}), whose files differ from ${model.name}'s; pass --model ${m.model.ref}`);
}

export interface HeadScore {
  dataset: string;
  shift: string;
  method: string;
  shots: number | 'all' | null;
  seed: number | null;
  hyperparameters: Record<string, number>;
  n: number;
  top1: Estimate;
  top5: number | null;
  balancedAccuracy: Estimate;
}

/** One test set the heads are scored on: its label (as bench names it), features, labels and, when restricted, the classes present. */
interface HeadTestSet {
  label: string;
  features: Float32Array;
  labels: Int32Array;
  restriction?: ClassRestriction;
}

/**
 * The test sets bench would score for `--shift` on one dataset, in its order and with its labels: the clean
 * (--limit) test set, each corruption, each released CIFAR-10-C file (same rows), and each natural shift
 * (another dataset's test images, its own --limit subset; with the full classifier and, when classes are
 * missing, restricted to the classes present).
 */
async function* headTestSets(opts: BenchOptions, model: ClipModel, p: PreparedDataset, pool: PreprocessPool, testIndices: TestIndices): AsyncGenerator<HeadTestSet> {
  const { ds } = p;
  const idx = testIndices(ds, p.testLabels.length, opts.limit);
  const labels = Int32Array.from(idx, (i) => p.testLabels[i]);
  const encode = async (dataset: Dataset, indices: Int32Array, label: string, shift: ImageShift = NO_SHIFT) =>
    (await extractImageFeatures({ pool, encoder: model, dataset, split: 'test', indices, shift, cacheRoot: opts.cacheRoot, requireCached: opts.requireCached, batchSize: opts.batchSize, workers: opts.workers, label: `${label} features`, quiet: opts.quiet, progressStream: opts.stderr })).features;
  yield { label: NO_SHIFT.label, features: await encode(ds, idx, `${ds.name} test`), labels };
  for (const s of p.shifts) {
    if (s.kind === 'corruption') {
      const shift = corruptionShift(s.spec, opts.shiftSeed ?? 0);
      yield { label: shift.label, features: await encode(ds, idx, `${ds.name} test ${shift.label}`, shift), labels };
    } else if (s.kind === 'released') {
      const label = `${corruptionShift(s.spec, opts.shiftSeed ?? 0).label} (released)`;
      yield { label, features: await encode(s.set, idx, `cifar10-c ${label}`), labels };
    } else {
      const set = s.set.dataset;
      const sIdx = testIndices(set, await set.size('test'), opts.limit);
      const all = await set.labels('test');
      const features = await encode(set, sIdx, `${set.name} test`);
      for (const { label, restriction } of naturalShiftVariants(s.shift, s.set.present))
        yield { label, features, labels: Int32Array.from(sIdx, (i) => all[i]), ...(restriction ? { restriction } : {}) };
    }
  }
}

type TestIndices = (ds: Dataset, size: number, limit: number | null) => Int32Array;

/** Every saved head on each dataset's (--limit) test set and on every --shift test set bench would score. */
export async function scoreSavedHeads(opts: BenchOptions, model: ClipModel, prepared: PreparedDataset[], m: HeadsManifest, dir: string, testIndices: TestIndices): Promise<HeadScore[]> {
  const heads = await Promise.all(
    m.heads.map(async (h) => {
      const coef = decodeNpy(await readFile(join(dir, h.coef)), join(dir, h.coef));
      const intercept = decodeNpy(await readFile(join(dir, h.intercept)), join(dir, h.intercept));
      return { ...h, weights: { numClasses: coef.shape[0], numFeatures: coef.shape[1], coef: Float64Array.from(coef.data as Float32Array), intercept: Float64Array.from(intercept.data as Float32Array) } };
    }),
  );
  const out: HeadScore[] = [];
  const pool = new PreprocessPool(opts.workers);
  try {
    for (const p of prepared) {
      const { ds } = p;
      const K = ds.classes.length;
      for await (const t of headTestSets(opts, model, p, pool, testIndices)) {
        const n = t.labels.length;
        for (const h of heads) {
          const raw = scoreProbe(h.weights, t.features, n);
          const scores = restrictToClasses(raw, K, t.restriction);
          const metrics = classificationMetrics(scores, t.labels, K);
          const est = zeroShotEstimates(correctness(scores, t.labels, K), t.labels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/${t.label}/head/${h.file}`), opts.bootstrapResamples);
          out.push({ dataset: ds.name, shift: t.label, method: h.method, shots: h.shots, seed: h.seed, hyperparameters: h.hyperparameters, n, ...est, top5: metrics.top5 });
        }
      }
    }
  } finally {
    await pool.close();
  }
  return out;
}
