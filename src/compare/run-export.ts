import type { ClipModel } from '../model/clip-model.ts';
import { extractImageFeatures } from '../features/extract.ts';
import type { PreprocessPool } from '../features/worker-pool.ts';
import { evaluateZeroShot, zeroShotClassifier } from '../evaluation/zeroshot.ts';
import { predictionsFromScores } from '../evaluation/metrics.ts';
import { drawnIndices, scoreProbe, type ProbeDraws, type Shots } from '../evaluation/linear-probe.ts';
import type { PreparedDataset } from '../pipeline/bench.ts';
import type { BenchOptions } from '../pipeline/bench.ts';
import { fitProbes, type FittedProbes } from '../pipeline/probe-step.ts';
import { NO_SHIFT, type ImageShift } from '../features/shift.ts';
import { zeroShotHead } from '../pipeline/zero-shot-step.ts';

/** What one export produced on the shared rows: everything a paired comparison needs, per example. */
export interface ExportOutcomes {
  name: string;
  files: { role: string; sha256: string; bytes: number }[];
  dim: number;
  testFeats: Float32Array;
  /** Ensembled class embeddings [K, d] (null without a text tower). */
  classifier: Float32Array | null;
  zeroShot: { predictions: Int32Array; scores: Float32Array } | null;
  /** Per shot count, per seed, in draw order. */
  probes: Map<Shots, { seed: number; C: number; predictions: Int32Array }[]>;
  /** Encode throughput on the test rows (images/s, uncached rows only; null when every row was cached). */
  imagesPerSecond: number | null;
  /** The same heads scored on each shifted copy of the test rows (--shift), in the order asked. */
  shifted: { label: string; outcomes: ExportOutcomes }[];
}

/**
 * One export through the bench steps on rows fixed by the caller: the same test indices and the same
 * k-shot draws for both exports, so every outcome pairs with the other export's outcome on that row.
 */
export async function runExport(args: {
  model: ClipModel;
  prepared: PreparedDataset;
  testIdx: Int32Array;
  testLabels: Int32Array;
  draws: ProbeDraws | null;
  opts: BenchOptions;
  pool: PreprocessPool;
  /** Shifted copies of the test rows to score with the same zero-shot head and fitted probes. */
  shifts?: ImageShift[];
}): Promise<ExportOutcomes> {
  const { model, prepared, testIdx, testLabels, draws, opts, pool } = args;
  const ds = prepared.ds;
  const K = ds.classes.length;
  const extract = (split: 'train' | 'test', indices: Int32Array, shift: ImageShift = NO_SHIFT) =>
    extractImageFeatures({ pool, encoder: model, dataset: ds, split, indices, shift, cacheRoot: opts.cacheRoot, batchSize: opts.batchSize, workers: opts.workers, label: `${model.name} ${ds.name} ${split}${shift === NO_SHIFT ? '' : ` ${shift.label}`} features`, quiet: opts.quiet, progressStream: opts.stderr });
  const test = await extract('test', testIdx);
  const d = test.dim;
  const head = await zeroShotHead({ model, ds, dim: d, enabled: opts.zeroShot, cacheRoot: opts.cacheRoot });
  const classifier = head.available ? zeroShotClassifier(head.textEmb, K, ds.templates.length, d) : null;
  let fitted: FittedProbes | null = null;
  if (draws && prepared.trainLabels) {
    const poolIdx = drawnIndices(draws);
    const poolFeats = await extract('train', poolIdx);
    fitted = await fitProbes({
      ds, draws, poolLabels: prepared.trainLabels, poolIndex: poolIdx, poolFeatures: poolFeats.features, testFeats: test.features, testLabels, dim: d,
      settings: opts.settings, workers: opts.probeWorkers ?? 1, signal: opts.signal, progress: { stream: opts.stderr, silent: opts.quiet },
    });
  }
  // The same heads on any copy of the test rows: zero-shot logits and every fitted probe's predictions.
  const scoreOn = (feats: Float32Array) => {
    let zeroShot: ExportOutcomes['zeroShot'] = null;
    if (head.available) {
      const ev = evaluateZeroShot({ imageFeats: feats, labels: testLabels, textEmb: head.textEmb, numClasses: K, numTemplates: ds.templates.length, dim: d, scale: model.logitScale });
      zeroShot = { predictions: predictionsFromScores(ev.scores, K), scores: ev.scores };
    }
    const probes: ExportOutcomes['probes'] = new Map();
    if (fitted)
      for (const [k, fits] of fitted.fits)
        probes.set(k, fits.map((f) => ({ seed: f.seed, C: f.C, predictions: predictionsFromScores(scoreProbe(f.weights, feats, testLabels.length), K) })));
    return { zeroShot, probes };
  };
  const files = model.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes }));
  const shifted: ExportOutcomes['shifted'] = [];
  for (const shift of args.shifts ?? []) {
    const sf = await extract('test', testIdx, shift);
    shifted.push({ label: shift.label, outcomes: { name: model.name, files, dim: d, testFeats: sf.features, classifier, ...scoreOn(sf.features), imagesPerSecond: null, shifted: [] } });
  }
  return {
    name: model.name,
    files,
    dim: d,
    testFeats: test.features,
    classifier,
    ...scoreOn(test.features),
    imagesPerSecond: test.computedRows > 0 ? test.computedRows / test.seconds : null,
    shifted,
  };
}
