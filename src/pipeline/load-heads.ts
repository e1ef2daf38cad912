/**
 * `--load-heads dir`: score the linear heads a `--save-heads` run wrote on another dataset with the same
 * class list (or on corruptions of one), without refitting. The manifest's class list and model hashes
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
import { classificationMetrics, correctness } from '../evaluation/metrics.ts';
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

/** Every saved head on each dataset's (--limit) test set and on each corruption of --shift. */
export async function scoreSavedHeads(opts: BenchOptions, model: ClipModel, prepared: PreparedDataset[], m: HeadsManifest, dir: string, testIndices: (ds: Dataset, size: number, limit: number | null) => Int32Array): Promise<HeadScore[]> {
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
      const idx = testIndices(ds, p.testLabels.length, opts.limit);
      const labels = Int32Array.from(idx, (i) => p.testLabels[i]);
      const shifts: ImageShift[] = [NO_SHIFT, ...p.shifts.flatMap((s) => (s.kind === 'corruption' ? [corruptionShift(s.spec, opts.shiftSeed ?? 0)] : []))];
      for (const shift of shifts) {
        const feats = await extractImageFeatures({ pool, encoder: model, dataset: ds, split: 'test', indices: idx, shift, cacheRoot: opts.cacheRoot, requireCached: opts.requireCached, batchSize: opts.batchSize, workers: opts.workers, label: `${ds.name} test${shift === NO_SHIFT ? '' : ` ${shift.label}`} features`, quiet: opts.quiet, progressStream: opts.stderr });
        for (const h of heads) {
          const scores = scoreProbe(h.weights, feats.features, idx.length);
          const metrics = classificationMetrics(scores, labels, K);
          const est = zeroShotEstimates(correctness(scores, labels, K), labels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/${shift.label}/head/${h.file}`), opts.bootstrapResamples);
          out.push({ dataset: ds.name, shift: shift.label, method: h.method, shots: h.shots, seed: h.seed, hyperparameters: h.hyperparameters, n: idx.length, ...est, top5: metrics.top5 });
        }
      }
    }
  } finally {
    await pool.close();
  }
  return out;
}
