import type { ClipModel } from '../model/clip-model.ts';
import { extractImageFeatures } from '../features/extract.ts';
import type { PreprocessPool } from '../features/worker-pool.ts';
import { evaluateZeroShot } from '../evaluation/zeroshot.ts';
import { predictionsFromScores, restrictToClasses } from '../evaluation/metrics.ts';
import { drawnIndices, scoreProbe, type ProbeDraws, type Shots } from '../evaluation/linear-probe.ts';
import { zeroShotOutcomes, type ExportOutcomes, type TestSetOutcomes } from '../compare/outcomes.ts';
import { testIndices, type PreparedDataset } from './bench.ts';
import type { BenchOptions } from './options.ts';
import { fitProbes, type FittedProbes } from './probe-step.ts';
import { corruptionShift, NO_SHIFT, type ImageShift } from '../features/shift.ts';
import { zeroShotHead } from './zero-shot-step.ts';
import { naturalShiftVariants, type ClassRestriction } from '../datasets/natural-shifts.ts';
import type { Dataset, Split } from '../datasets/types.ts';
import { extractPoolRows, poolLabelsOf } from './probe-rows.ts';

/** A test set to score besides the clean rows: images (dataset + shift), rows, labels, and restricted classes if any. */
interface ShiftedSet {
  label: string;
  dataset: Dataset;
  shift: ImageShift;
  testIdx: Int32Array;
  labels: Int32Array;
  restriction?: ClassRestriction;
}

/** The --shift test sets of a prepared dataset, labelled and subset as bench does (corruptions of the same rows; natural shifts' own --limit subset). */
async function shiftedSets(prepared: PreparedDataset, testIdx: Int32Array, testLabels: Int32Array, limit: number | null, shiftSeed: number): Promise<ShiftedSet[]> {
  const out: ShiftedSet[] = [];
  for (const s of prepared.shifts) {
    if (s.kind === 'corruption') {
      const shift = corruptionShift(s.spec, shiftSeed);
      out.push({ label: shift.label, dataset: prepared.ds, shift, testIdx, labels: testLabels });
    } else if (s.kind === 'natural') {
      const set = s.set.dataset;
      const idx = testIndices(set, await set.size('test'), limit);
      const all = await set.labels('test');
      const labels = Int32Array.from(idx, (i) => all[i]);
      // As bench: the shift's own restriction, or the full classifier and (a set lacking classes) the classes it has.
      for (const v of naturalShiftVariants(s.shift, s.set.present)) out.push({ label: v.label, dataset: set, shift: NO_SHIFT, testIdx: idx, labels, restriction: v.restriction });
    } else throw new Error(`compare: shift kind ${s.kind} is not supported`);
  }
  return out;
}

/**
 * One export through the bench steps on rows fixed by the caller: the same test indices and the same
 * k-shot draws for both exports, so every outcome pairs with the other export's outcome on that row.
 * Returns the clean test set first, then each --shift set scored by the same heads, in the order asked.
 */
export async function runExport(args: {
  model: ClipModel;
  prepared: PreparedDataset;
  testIdx: Int32Array;
  testLabels: Int32Array;
  draws: ProbeDraws | null;
  opts: BenchOptions;
  pool: PreprocessPool;
}): Promise<TestSetOutcomes[]> {
  const { model, prepared, testIdx, testLabels, draws, opts, pool } = args;
  const ds = prepared.ds;
  const K = ds.classes.length;
  const extract = (dataset: Dataset, split: Split, indices: Int32Array, shift: ImageShift = NO_SHIFT) =>
    extractImageFeatures({ pool, encoder: model, dataset, split, indices, shift, cacheRoot: opts.cacheRoot, batchSize: opts.batchSize, workers: opts.workers, label: `${model.name} ${dataset.name} ${split}${shift === NO_SHIFT ? '' : ` ${shift.label}`} features`, quiet: opts.quiet, progressStream: opts.stderr });
  const test = await extract(ds, 'test', testIdx);
  const d = test.dim;
  const head = await zeroShotHead({ model, ds, dim: d, enabled: opts.zeroShot, cacheRoot: opts.cacheRoot, quiet: opts.quiet, progressStream: opts.stderr });
  const classifier = head.available ? head.classifier : null;
  let fitted: FittedProbes | null = null;
  if (draws && prepared.trainLabels) {
    const poolIdx = drawnIndices(draws);
    const poolFeatures = await extractPoolRows(prepared, poolIdx, (split, idx) => extract(ds, split, idx));
    fitted = await fitProbes({
      ds, draws, poolLabels: poolLabelsOf(prepared), poolIndex: poolIdx, poolFeatures, testFeats: test.features, testLabels, dim: d,
      settings: opts.settings, workers: opts.probeWorkers ?? 1, signal: opts.signal, progress: { stream: opts.stderr, silent: opts.quiet },
    });
  }
  // The same heads on any test set: zero-shot logits and every fitted probe's predictions.
  const scoreOn = (feats: Float32Array, labels: Int32Array, restriction?: ClassRestriction) => {
    let zeroShot: ExportOutcomes['zeroShot'] = null;
    if (head.available) {
      const ev = evaluateZeroShot({ imageFeats: feats, labels, textEmb: head.textEmb, numClasses: K, numTemplates: ds.templates.length, dim: d, scale: model.logitScale });
      zeroShot = zeroShotOutcomes(ev.scores, K, restriction);
    }
    const probes: ExportOutcomes['probes'] = new Map();
    if (fitted)
      for (const [k, fits] of fitted.fits)
        probes.set(k, fits.map((f) => {
          const raw = scoreProbe(f.weights, feats, labels.length);
          return { seed: f.seed, C: f.C, predictions: predictionsFromScores(restrictToClasses(raw, K, restriction), K) };
        }));
    return { zeroShot, probes };
  };
  const files = model.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes }));
  const clean: ExportOutcomes = {
    name: model.name,
    files,
    dim: d,
    testFeats: test.features,
    classifier,
    ...scoreOn(test.features, testLabels),
    imagesPerSecond: test.computedRows > 0 ? test.computedRows / test.seconds : null,
  };
  const sets: TestSetOutcomes[] = [{ label: 'none', shiftId: NO_SHIFT.id, testIdentity: ds.identity('test'), testIdx, labels: testLabels, outcomes: clean }];
  for (const s of await shiftedSets(prepared, testIdx, testLabels, opts.limit, opts.shiftSeed ?? 0)) {
    const sf = await extract(s.dataset, 'test', s.testIdx, s.shift);
    const outcomes: ExportOutcomes = { name: model.name, files, dim: d, testFeats: sf.features, classifier, ...scoreOn(sf.features, s.labels, s.restriction), imagesPerSecond: null };
    sets.push({ label: s.label, shiftId: s.shift.id, testIdentity: s.dataset.identity('test'), testIdx: s.testIdx, labels: s.labels, outcomes });
  }
  return sets;
}
