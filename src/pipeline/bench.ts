import { join } from 'node:path';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dataset, Split } from '../datasets/types.ts';
import { openDataset, readTemplates } from '../datasets/resolve.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { extractImageFeatures, type ExtractResult } from '../features/extract.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { DEFAULT_PROBE_SETTINGS, drawnIndices } from '../evaluation/linear-probe.ts';
import { extractPoolRows, planPoolDraws, poolLabelsOf, probePoolRecord } from './probe-rows.ts';
import { probeBreakEven } from '../evaluation/break-even.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { classPrompts } from '../evaluation/zeroshot.ts';
import { UserError } from '../util/errors.ts';
import type { BenchResults, DatasetResult, ProbeResult, RobustnessRecord } from '../results/schema.ts';
import { exportFeatures } from './export-features.ts';
import { outcomesRecord, runRecordHeader } from './record.ts';
import { zeroShotHead, zeroShotOn } from './zero-shot-step.ts';
import { fitProbes, probePredictions, probeResults, scoreFittedProbes, type FittedProbes } from './probe-step.ts';
import { robustnessRecord, type ShiftOutcome, type TestSetOutcome } from './robustness-step.ts';
import { corruptionShift, NO_SHIFT, type ImageShift } from '../features/shift.ts';
import { checkCorruptible, CORRUPTION_NAMES, findCorruption, parseShiftSpec, SEVERITIES, suiteLabel, type CorruptionSpec } from '../shifts/index.ts';
import { openCifar10CFolder } from '../datasets/cifar10c-folder.ts';
import { readdir } from 'node:fs/promises';
import { prepareImagenetShift } from '../datasets/imagenet-natural-shifts.ts';
import { findNaturalShift, isImagenetShiftItem, isNaturalShiftItem, mappedTestSet, NATURAL_SHIFTS, readMappingFile, IMAGENET_SHIFT_NAMES, naturalShiftVariants, type ClassRestriction, type MappedTestSet, type NaturalShift } from '../datasets/natural-shifts.ts';
import { plural } from '../util/plural.ts';
import type { BenchOptions } from './options.ts';
import { collectMethods, methodCorrectness, methodRecords, methodsJob, runnableMethods, scoreMethods, type FittedMethods } from './methods-step.ts';
import { DEFAULT_METHODS, parseMethods } from '../evaluation/methods/registry.ts';
import { collectHeads, saveHeads } from './heads.ts';

export type { BenchOptions, TextSink } from './options.ts';

export interface PreparedDataset {
  ds: Dataset;
  trainLabels: Int32Array | null;
  /** The val split's labels when the dataset names it as the probes' validation pool (CoOp); else null. */
  valLabels: Int32Array | null;
  testLabels: Int32Array;
  skipped: string[];
  /** The --shift test sets for this dataset, resolved and checked before any encoding. */
  shifts: PreparedShift[];
}

export type PreparedShift =
  | { kind: 'corruption'; spec: CorruptionSpec }
  | { kind: 'released'; spec: CorruptionSpec; dir: string; set: Dataset }
  | { kind: 'natural'; shift: NaturalShift; set: MappedTestSet };

/** `released:<dir>`: every `<corruption>.npy` of a released CIFAR-10-C folder, at its 5 severities. */
async function prepareReleased(item: string, ds: Dataset): Promise<PreparedShift[]> {
  const dir = item.slice('released:'.length);
  if (ds.name !== 'cifar10') throw new UserError(`--shift ${item}: the released CIFAR-10-C files are shifted copies of cifar10's test set, not of ${ds.name}`);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.npy') && f !== 'labels.npy').map((f) => f.slice(0, -4));
  } catch {
    throw new UserError(`--shift ${item}: cannot read the folder ${dir}; give the folder holding <corruption>.npy and labels.npy`);
  }
  const known = names.filter((n) => findCorruption(n)).sort((a, b) => CORRUPTION_NAMES.indexOf(a) - CORRUPTION_NAMES.indexOf(b));
  if (known.length === 0) throw new UserError(`--shift ${item}: no <corruption>.npy of a known corruption in ${dir} (known: ${CORRUPTION_NAMES.join(', ')})`);
  const out: PreparedShift[] = [];
  for (const corruption of known)
    for (const severity of SEVERITIES) {
      const set = await openCifar10CFolder(dir, corruption, severity);
      if ((await set.size('test')) !== (await ds.size('test'))) throw new UserError(`--shift ${item}: ${corruption}.npy holds ${await set.size('test')} images per severity, cifar10's test set ${await ds.size('test')}`);
      out.push({ kind: 'released', spec: { corruption, severity }, dir, set });
    }
  return out;
}

/** --shift items for one dataset: natural shifts opened and mapped, corruptions parsed and checked against its image size. */
export async function prepareShifts(opts: Pick<BenchOptions, 'shift' | 'dataDir' | 'skipBad'>, ds: Dataset): Promise<PreparedShift[]> {
  if (!opts.shift) return [];
  const items = opts.shift.split(',').map((s) => s.trim());
  const out: PreparedShift[] = [];
  for (const item of items.filter((i) => i.startsWith('released:'))) out.push(...(await prepareReleased(item, ds)));
  for (const item of items.filter(isNaturalShiftItem)) {
    if (isImagenetShiftItem(item)) {
      out.push({ kind: 'natural', ...(await prepareImagenetShift(item, ds, { skipBad: opts.skipBad })) });
      continue;
    }
    const shift = item.startsWith('map:') ? await readMappingFile(item.slice(4), ds.name) : findNaturalShift(ds.name, item);
    if (!shift)
      throw new UserError(`--shift ${item}: no built-in natural shift from ${ds.name}; built-in: ${NATURAL_SHIFTS.map((s) => `${s.source}→${s.name}`).join(', ')}; or map:<file.json> for your own pair`);
    const target = await openDataset(shift.target, { dataDir: opts.dataDir ?? undefined, skipBad: opts.skipBad });
    out.push({ kind: 'natural', shift, set: await mappedTestSet(shift, ds.classes, target) });
  }
  const corruptionItems = items.filter((s) => !isNaturalShiftItem(s) && !s.startsWith('released:'));
  if (corruptionItems.length) {
    const specs = parseShiftSpec(corruptionItems.join(','));
    for await (const first of ds.read('test', [0])) checkCorruptible(first.image.width, first.image.height, `--shift on ${ds.name}`);
    out.push(...specs.map((spec) => ({ kind: 'corruption' as const, spec })));
  }
  return out;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

const logOf = (opts: BenchOptions) => opts.log ?? ((m: string) => void (opts.stderr ?? process.stderr).write(`${m}\n`));

/** Open every dataset and validate the request against labels before any image is encoded. */
export async function prepareDatasets(opts: BenchOptions): Promise<PreparedDataset[]> {
  if (opts.templatesFile) await readTemplates(opts.templatesFile);
  const log = logOf(opts);
  const out: PreparedDataset[] = [];
  for (const ref of opts.datasets) {
    const ds =
      typeof ref === 'string'
        ? await openDataset(ref, { dataDir: opts.dataDir ?? undefined, source: opts.source ?? undefined, skipBad: opts.skipBad, templatesFile: opts.templatesFile ?? undefined, imageColumn: opts.imageColumn ?? undefined, labelColumn: opts.labelColumn ?? undefined, splitFile: opts.splitFile ?? undefined, classesFile: opts.classesFile ?? undefined })
        : ref;
    const name = ds.name;
    if (!ds.splits.includes('test')) throw new UserError(`dataset ${name} has no test split (splits: ${ds.splits.join(', ')})`);
    // Bad class names or templates fail here, before anything is encoded (classPrompts names the culprit).
    if (opts.zeroShot) classPrompts(ds.classes, ds.templates);
    const testLabels = await ds.labels('test');
    const trainLabels = ds.splits.includes('train') ? await ds.labels('train') : null;
    if (trainLabels) {
      const counts = new Int32Array(ds.classes.length);
      for (const y of trainLabels) counts[y]++;
      const most = Math.max(...counts);
      for (const k of opts.shots) {
        if (k !== 'all' && k > most)
          throw new UserError(`--shots ${k}: no class of ${name} has that many training examples (largest class: ${most}); use at most ${most} or 'all'`);
      }
    }
    // --skip-bad: user folders list what they dropped; say it now and record it in the results.
    const skipped = ((ds as { skipped?: { path: string; reason: string }[] }).skipped ?? []).map((s) => `${name}: skipped unreadable image ${s.path} (${s.reason})`);
    for (const s of skipped) log(s);
    const valLabels = trainLabels && ds.validationSplit ? await ds.labels(ds.validationSplit) : null;
    out.push({ ds, trainLabels, valLabels, testLabels, skipped, shifts: await prepareShifts(opts, ds) });
  }
  return out;
}

/** The whole benchmark over prepared datasets with one loaded model; returns the results record (no files written). */
export async function runBench(opts: BenchOptions, model: ClipModel, prepared?: PreparedDataset[]): Promise<BenchResults> {
  const t0 = performance.now();
  const warnings: string[] = [];
  const results: DatasetResult[] = [];
  const robustness: RobustnessRecord[] = [];
  for (const p of prepared ?? (await prepareDatasets(opts))) {
    warnings.push(...p.skipped);
    const r = await benchDataset(opts, model, p, warnings);
    results.push(...r.records);
    robustness.push(...r.robustness);
  }
  return {
    ...runRecordHeader(opts, model, opts.runId ?? newRunId()),
    datasets: results,
    ...(robustness.length ? { robustness } : {}),
    timings: { totalSeconds: (performance.now() - t0) / 1000 },
    warnings,
  };
}

/** The seeded test subset of --limit (all of the split without it). */
export function testIndices(ds: Dataset, testSize: number, limit: number | null): Int32Array {
  if (limit === null || limit >= testSize) return Int32Array.from({ length: testSize }, (_, i) => i);
  return new Rng(deriveSeed(0, `limit/${ds.name}`)).permutation(testSize).slice(0, limit).sort();
}

/** One dataset: extract test → zero-shot → draw, extract pool, fit and score probes → break-even → record; then each shifted test set. */
async function benchDataset(opts: BenchOptions, model: ClipModel, prepared: PreparedDataset, warnings: string[]): Promise<{ records: DatasetResult[]; robustness: RobustnessRecord[] }> {
  const pool = new PreprocessPool(opts.workers, { inlineUntilReady: true });
  try {
    return await benchDatasetWith(opts, model, prepared, warnings, pool);
  } finally {
    await pool.close();
  }
}

async function benchDatasetWith(
  opts: BenchOptions,
  model: ClipModel,
  { ds, trainLabels, valLabels, testLabels: allTestLabels, shifts }: PreparedDataset,
  warnings: string[],
  pool: PreprocessPool,
): Promise<{ records: DatasetResult[]; robustness: RobustnessRecord[] }> {
  const log = logOf(opts);
  const K = ds.classes.length;
  const timings: Record<string, number> = {};
  const featureCache: DatasetResult['featureCache'] = {};
  const extract = async (split: Split, indices: Int32Array, shift: ImageShift = NO_SHIFT, record = true): Promise<ExtractResult> => {
    const r = await extractImageFeatures({
      pool,
      encoder: model,
      dataset: ds,
      split,
      indices,
      shift,
      cacheRoot: opts.cacheRoot,
      requireCached: opts.requireCached,
      batchSize: opts.batchSize,
      workers: opts.workers,
      label: `${ds.name} ${split}${shift === NO_SHIFT ? '' : ` ${shift.label}`} features`,
      quiet: opts.quiet,
      progressStream: opts.stderr,
      log,
    });
    if (record) {
      timings[`${split}Features`] = r.seconds;
      featureCache[split] = { dir: r.cacheDir, cachedRows: r.cachedRows, computedRows: r.computedRows };
    }
    log(`${ds.name}/${split}${shift === NO_SHIFT ? '' : ` (${shift.label})`}: ${indices.length} images (${r.cachedRows} cached, ${r.computedRows} encoded) in ${r.seconds.toFixed(1)} s`);
    return r;
  };

  const testIdx = testIndices(ds, allTestLabels.length, opts.limit);
  const testLabels = Int32Array.from(testIdx, (i) => allTestLabels[i]);
  const test = await extract('test', testIdx);
  const d = test.dim;

  const head = await zeroShotHead({ model, ds, dim: d, enabled: opts.zeroShot, cacheRoot: opts.cacheRoot, quiet: opts.quiet, progressStream: opts.stderr, log });
  const zs = zeroShotOn({ model, ds, head, testFeats: test.features, testLabels, dim: d, bootstrapResamples: opts.bootstrapResamples, warnings });
  const zeroShot = zs.result;
  if (zeroShot.seconds !== undefined) timings.zeroShot = zeroShot.seconds;

  let fitted: FittedProbes | null = null;
  let fittedMethods: FittedMethods | null = null;
  const methodsOn = (feats: Float32Array, labels: Int32Array, zsTop1: number | null, cell?: string, restriction?: ClassRestriction) => {
    if (!fittedMethods) return { records: [], correct: new Map() };
    const scores = scoreMethods(fittedMethods, feats, labels, K, d, restriction);
    return { records: methodRecords({ ds, fm: fittedMethods, scores, testLabels: labels, bootstrapResamples: opts.bootstrapResamples, zeroShotTop1: zsTop1, cell }), correct: methodCorrectness(scores) };
  };
  let cleanMethods: ReturnType<typeof methodsOn> = { records: [], correct: new Map() };
  let probes: ProbeResult[] = [];
  let breakEven: { shots: number | null; note?: string } = { shots: null };
  const testPart = { features: test.features, dim: d, indices: testIdx, labels: testLabels };
  if (trainLabels && opts.shots.length > 0) {
    const rows = { trainLabels, valLabels };
    const poolLabels = poolLabelsOf(rows);
    const draws = planPoolDraws(rows, K, opts.shots, opts.seeds);
    const poolIdx = drawnIndices(draws);
    const pool = { features: await extractPoolRows(rows, poolIdx, extract) };
    const methods = runnableMethods(parseMethods((opts.methods ?? DEFAULT_METHODS).join(',')), head, ds.name, warnings);
    const mJob = methods.length ? methodsJob(methods, head, ds, model.logitScale, d) : undefined;
    const tp = performance.now();
    fitted = await fitProbes({
      ds,
      draws,
      poolLabels,
      poolIndex: poolIdx,
      poolFeatures: pool.features,
      testFeats: test.features,
      testLabels,
      dim: d,
      settings: opts.settings,
      workers: opts.probeWorkers ?? defaultThreads(),
      ...(mJob ? { methods: mJob } : {}),
      signal: opts.signal,
      progress: { stream: opts.stderr, silent: opts.quiet },
    });
    probes = probeResults({ ds, fitted, testLabels, settings: opts.settings, bootstrapResamples: opts.bootstrapResamples });
    for (const p of probes) {
      if (p.protocol?.note) warnings.push(`${ds.name}: ${p.protocol.note}`);
      log(`${ds.name}: ${p.shots}-shot probe top-1 ${(100 * p.top1.mean).toFixed(1)}% over ${plural(p.perSeed.length, 'seed')}`);
    }
    // With --methods the probe step also fitted every draw's methods (probe-task.ts): timings.probes covers both,
    // timings.methods is the methods' own fit seconds summed over draws (CPU-bound, so about their core-seconds).
    timings.probes = (performance.now() - tp) / 1000;
    if (mJob) {
      fittedMethods = collectMethods(ds, mJob, fitted, log);
      timings.methods = [...fittedMethods.fits.values()].flatMap((perShots) => [...perShots.values()].flat()).reduce((a, s) => a + s.seconds, 0);
    }
    if (zeroShot.available) breakEven = probeBreakEven(probes.map((p) => ({ shots: p.shots, effectiveShots: p.effectiveShots, top1: p.top1.mean })), zeroShot.top1!.mean);
    if (opts.exportFeaturesDir)
      await exportFeatures(join(opts.exportFeaturesDir, ds.name), {
        pool: { features: pool.features, dim: d, indices: poolIdx, labels: Int32Array.from(poolIdx, (i) => poolLabels[i]) },
        test: testPart,
        classes: ds.classes,
        draws,
        ...(valLabels ? { valOffset: trainLabels.length } : {}),
        probes,
        zeroShot: head.available ? { W: head.classifier, scale: model.logitScale } : null,
        methods: fittedMethods?.fits,
      });
  } else {
    if (!trainLabels) warnings.push(`${ds.name}: no train split, so no linear probes (zero-shot only)`);
    if (opts.exportFeaturesDir)
      await exportFeatures(join(opts.exportFeaturesDir, ds.name), { pool: null, test: testPart, classes: ds.classes, zeroShot: head.available ? { W: head.classifier, scale: model.logitScale } : null });
  }

  const splits: DatasetResult['splits'] = { test: { identity: ds.identity('test'), size: allTestLabels.length, used: testIdx.length } };
  if (trainLabels) splits.train = { identity: ds.identity('train'), size: trainLabels.length, used: featureCache.train ? featureCache.train.cachedRows + featureCache.train.computedRows : 0 };
  if (trainLabels && valLabels) splits.val = { identity: ds.identity('val'), size: valLabels.length, used: featureCache.val ? featureCache.val.cachedRows + featureCache.val.computedRows : 0 };
  const clean: DatasetResult = {
    name: ds.name,
    provenance: { ...ds.provenance },
    classes: [...ds.classes],
    shift: 'none',
    splits,
    probePool: probePoolRecord({ trainLabels, valLabels }),
    zeroShot,
    probes,
    breakEvenShots: breakEven.shots,
    ...(breakEven.note ? { breakEvenNote: breakEven.note } : {}),
    timings,
    featureCache,
    outcomes: outcomesRecord({ testIdx, labels: testLabels, numClasses: K, zeroShotScores: zs.scores, probes: fitted ? probePredictions(fitted, scoreFittedProbes(fitted, test.features, testLabels, K)) : new Map() }),
    methods: (cleanMethods = methodsOn(test.features, testLabels, zeroShot.available ? zeroShot.top1!.mean : null)).records,
  };

  if (opts.saveHeadsDir) {
    const zsHead = head.available ? { W: head.classifier, scale: model.logitScale } : null;
    const m = await saveHeads(join(opts.saveHeadsDir, ds.name), ds, model, opts.modelRef, collectHeads(fitted, fittedMethods, zsHead, K, d));
    log(`${ds.name}: saved ${plural(m.heads.length, 'linear head')} to ${join(opts.saveHeadsDir, ds.name)}`);
  }

  // Shifted test sets: the same zero-shot head and the same fitted probes, scored on shifted features.
  const records: DatasetResult[] = [clean];
  if (shifts.length === 0) return { records, robustness: [] };
  const shiftSeed = opts.shiftSeed ?? 0;
  const cleanOutcome: TestSetOutcome = { zeroShot: zs.correct, probes: fitted ? new Map([...fitted.fits].map(([k, l]) => [k, l.map((f) => f.correct)])) : new Map(), methods: cleanMethods.correct };
  const score = (label: string, feats: Float32Array, idx: Int32Array, labels: Int32Array, restriction?: ClassRestriction) => {
    const szs = zeroShotOn({ model, ds, head, testFeats: feats, testLabels: labels, dim: d, bootstrapResamples: opts.bootstrapResamples, cell: label, restriction, warnings });
    const scores = fitted ? scoreFittedProbes(fitted, feats, labels, K, restriction) : null;
    const sprobes = fitted && scores ? probeResults({ ds, fitted, testLabels: labels, settings: opts.settings, bootstrapResamples: opts.bootstrapResamples, scores, cell: label }) : [];
    const be = zeroShot.available && sprobes.length ? probeBreakEven(sprobes.map((p) => ({ shots: p.shots, effectiveShots: p.effectiveShots, top1: p.top1.mean })), szs.result.top1!.mean) : { shots: null };
    const methods = methodsOn(feats, labels, szs.result.available ? szs.result.top1!.mean : null, label, restriction);
    const outcome: TestSetOutcome = { zeroShot: szs.correct, probes: scores ? new Map([...scores].map(([k, l]) => [k, l.map((x) => x.correct)])) : new Map(), methods: methods.correct };
    const outcomes = outcomesRecord({ testIdx: idx, labels, numClasses: K, zeroShotScores: szs.scores, probes: fitted && scores ? probePredictions(fitted, scores) : new Map() });
    const record = { zeroShot: szs.result, probes: sprobes, breakEvenShots: be.shots, ...(be.note ? { breakEvenNote: be.note } : {}), outcomes, methods: methods.records };
    return { record, outcome };
  };
  const cleanBase = () => {
    const { breakEvenNote: _drop, ...rest } = clean;
    return rest;
  };

  const corruptions: ShiftOutcome[] = [];
  const corruptionRecords: DatasetResult[] = [];
  const releasedOutcomes: ShiftOutcome[] = [];
  const releasedRecords: DatasetResult[] = [];
  const robustness: RobustnessRecord[] = [];
  const imagenetOutcomes: { outcome: ShiftOutcome; record: DatasetResult }[] = [];
  for (const s of shifts) {
    const ts = performance.now();
    if (s.kind === 'corruption' || s.kind === 'released') {
      const released = s.kind === 'released';
      const shift = corruptionShift(s.spec, shiftSeed);
      const label = released ? `${shift.label} (released)` : shift.label;
      const entry = findCorruption(s.spec.corruption)!;
      // The released files hold the same test images, severity-major: the same rows, so still paired.
      const shifted = released
        ? await extractImageFeatures({ pool, encoder: model, dataset: s.set, split: 'test', indices: testIdx, cacheRoot: opts.cacheRoot, requireCached: opts.requireCached, batchSize: opts.batchSize, workers: opts.workers, label: `cifar10-c ${label} features`, quiet: opts.quiet, progressStream: opts.stderr, log })
        : await extract('test', testIdx, shift, false);
      const { record, outcome } = score(label, shifted.features, testIdx, testLabels);
      (released ? releasedOutcomes : corruptions).push({ ...outcome, shift: label, corruption: s.spec.corruption, severity: s.spec.severity, group: entry.group });
      const rec: DatasetResult = {
        ...cleanBase(),
        shift: label,
        shiftInfo: released
          ? { kind: 'corruption', corruption: s.spec.corruption, severity: s.spec.severity, seed: null, suite: RELEASED_SUITE, fidelity: 'released', group: entry.group }
          : { kind: 'corruption', corruption: s.spec.corruption, severity: s.spec.severity, seed: entry.seeded ? shiftSeed : null, suite: suiteLabel(shiftSeed), fidelity: entry.fidelity, group: entry.group },
        ...(released ? { provenance: { ...s.set.provenance } } : {}),
        ...record,
        timings: { testFeatures: shifted.seconds, total: (performance.now() - ts) / 1000 },
        featureCache: { test: { dir: shifted.cacheDir, cachedRows: shifted.cachedRows, computedRows: shifted.computedRows } },
      };
      records.push(rec);
      (released ? releasedRecords : corruptionRecords).push(rec);
      continue;
    }
    // Natural shift: another dataset's test images of these classes (its own --limit subset).
    const set = s.set.dataset;
    const imagenetShift = IMAGENET_SHIFT_NAMES.includes(s.shift.name);
    const size = await set.size('test');
    const idx = testIndices(set, size, opts.limit);
    const all = await set.labels('test');
    const labels = Int32Array.from(idx, (i) => all[i]);
    const feats = await extractImageFeatures({ pool, encoder: model, dataset: set, split: 'test', indices: idx, cacheRoot: opts.cacheRoot, requireCached: opts.requireCached, batchSize: opts.batchSize, workers: opts.workers, label: `${set.name} test features`, quiet: opts.quiet, progressStream: opts.stderr, log });
    log(`${set.name}/test: ${idx.length} images (${feats.cachedRows} cached, ${feats.computedRows} encoded) in ${feats.seconds.toFixed(1)} s`);
    if (model.manifest.trainedOn.includes(s.shift.target) && zeroShot.available)
      warnings.push(`${ds.name}: ${model.name} declares it was trained on ${s.shift.target}'s labels; its zero-shot result on --shift ${s.shift.name} is in-domain, not transfer`);
    const classesPresent = ds.classes.filter((_, c) => s.set.present[c]);
    const own = s.shift.restriction;
    const missing = !own && classesPresent.length < K;
    for (const { label, restricted, restriction, primary } of naturalShiftVariants(s.shift, s.set.present)) {
      const { record, outcome } = score(label, feats.features, idx, labels, restriction);
      const rec: DatasetResult = {
        ...cleanBase(),
        shift: label,
        shiftInfo: { kind: 'natural', target: s.shift.target, mapping: s.shift.mapping, classesPresent, restricted, note: s.shift.note },
        provenance: { ...set.provenance },
        splits: { test: { identity: set.identity('test'), size, used: idx.length } },
        ...record,
        timings: { testFeatures: feats.seconds, total: (performance.now() - ts) / 1000 },
        featureCache: { test: { dir: feats.cacheDir, cachedRows: feats.cachedRows, computedRows: feats.computedRows } },
      };
      records.push(rec);
      // Robustness on the natural shift is read from the variant CLIP reports: restricted when classes are missing.
      if (imagenetShift) imagenetOutcomes.push({ outcome: { ...outcome, shift: label }, record: rec });
      if (primary)
        robustness.push(robustnessRecord({ ds: ds.name, suite: `${ds.name}→${s.shift.target} (${s.shift.note})`, clean, cleanOutcome, outcomes: [{ ...outcome, shift: label }], records: [rec], bootstrapResamples: opts.bootstrapResamples }));
    }
    if (own && classesPresent.length < restrictionSize(own)) warnings.push(`${ds.name}: --shift ${s.shift.name} holds images of ${classesPresent.length} of its ${restrictionSize(own)} classes; scored over all ${restrictionSize(own)}, as published`);
    if (missing) warnings.push(`${ds.name}: --shift ${s.shift.name} has no test images of ${ds.classes.filter((_, c) => !s.set.present[c]).join(', ')}; reported both with the full classifier and restricted to the ${classesPresent.length} classes present`);
  }
  // CLIP Fig. 13: ImageNet top-1 against the mean over its natural shifts, one point per classifier.
  if (imagenetOutcomes.length > 1)
    robustness.push(robustnessRecord({ ds: ds.name, suite: IMAGENET_SHIFTS_SUITE, clean, cleanOutcome, outcomes: imagenetOutcomes.map((o) => o.outcome), records: imagenetOutcomes.map((o) => o.record), bootstrapResamples: opts.bootstrapResamples }));
  if (releasedOutcomes.length)
    robustness.unshift(robustnessRecord({ ds: ds.name, suite: RELEASED_SUITE, clean, cleanOutcome, outcomes: releasedOutcomes, records: releasedRecords, bootstrapResamples: opts.bootstrapResamples }));
  if (corruptions.length)
    robustness.unshift(robustnessRecord({ ds: ds.name, suite: suiteLabel(shiftSeed), clean, cleanOutcome, outcomes: corruptions, records: corruptionRecords, bootstrapResamples: opts.bootstrapResamples }));
  return { records, robustness };
}

const IMAGENET_SHIFTS_SUITE = 'ImageNet natural distribution shifts (CLIP Fig. 13)';

/** How many classes a restriction scores over: its kept columns (a group counts once). */
const restrictionSize = (r: ClassRestriction) => r.keep.filter(Boolean).length;

const RELEASED_SUITE = 'CIFAR-10-C (the released files of Hendrycks & Dietterich 2019)';

export const defaultThreads = () => Math.max(1, cpus().length);
export { DEFAULT_PROBE_SETTINGS };
