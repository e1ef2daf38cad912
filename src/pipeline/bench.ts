import { join, relative } from 'node:path';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dataset } from '../datasets/types.ts';
import { openDataset, readTemplates } from '../datasets/resolve.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { extractImageFeatures, type ExtractResult } from '../features/extract.ts';
import { embedTexts } from '../features/text.ts';
import { classPrompts, evaluateZeroShot } from '../evaluation/zeroshot.ts';
import { DEFAULT_PROBE_SETTINGS, drawnIndices, evaluateProbeSeed, planProbeDraws, type ProbeSettings, type Shots } from '../evaluation/linear-probe.ts';
import { probeEstimates, zeroShotEstimates } from '../evaluation/estimates.ts';
import { breakEven } from '../evaluation/statistics.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { BenchResults, ClassifierMetrics, DatasetResult, ProbeResult, ZeroShotResult } from '../results/schema.ts';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION } from '../results/schema.ts';
import { recordEnvironment } from '../results/environment.ts';
import type { Metrics } from '../evaluation/metrics.ts';
import { exportFeatures } from './export-features.ts';

export interface BenchOptions {
  modelRef: string;
  datasets: string[];
  shots: Shots[];
  seeds: number[];
  limit: number | null;
  templatesFile: string | null;
  settings: ProbeSettings;
  threads: number;
  workers: number;
  batchSize: number;
  cacheRoot: string | null;
  exportFeaturesDir: string | null;
  dataDir: string | null;
  source: string | null;
  skipBad: boolean;
  bootstrapResamples: number;
  zeroShot: boolean;
  argv: string[];
  log: (msg: string) => void;
  quiet?: boolean;
}

const BOOTSTRAP_SEED = 20210226; // CLIP's arXiv date; any fixed value, recorded in results.

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

const toRecord = (m: Metrics): ClassifierMetrics => ({ ...m, confusion: Array.from(m.confusion) });

/** Open every dataset and validate the request against labels before any image is encoded. */
export async function prepareDatasets(opts: BenchOptions): Promise<{ ds: Dataset; trainLabels: Int32Array | null; testLabels: Int32Array; skipped: string[] }[]> {
  if (opts.templatesFile) await readTemplates(opts.templatesFile);
  const out = [];
  for (const name of opts.datasets) {
    const ds = await openDataset(name, {
      dataDir: opts.dataDir ?? undefined,
      source: opts.source ?? undefined,
      skipBad: opts.skipBad,
      templatesFile: opts.templatesFile ?? undefined,
    });
    if (!ds.splits.includes('test')) throw new UserError(`dataset ${name} has no test split (splits: ${ds.splits.join(', ')})`);
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
    for (const s of skipped) opts.log(s);
    out.push({ ds, trainLabels, testLabels, skipped });
  }
  return out;
}

export async function runBench(opts: BenchOptions, model: ClipModel, prepared: Awaited<ReturnType<typeof prepareDatasets>>): Promise<BenchResults> {
  const t0 = performance.now();
  const warnings: string[] = [];
  const results: DatasetResult[] = [];
  for (const { ds, trainLabels, testLabels, skipped } of prepared) {
    warnings.push(...skipped);
    results.push(await benchDataset(opts, model, ds, trainLabels, testLabels, warnings));
  }
  return {
    schema: RESULTS_SCHEMA_ID,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    runId: '',
    createdAt: new Date().toISOString(),
    command: { argv: opts.argv, cwd: process.cwd() },
    environment: recordEnvironment(),
    model: {
      ref: opts.modelRef,
      name: model.name,
      layout: model.layout,
      files: model.files.map((f) => ({ role: f.role, path: relative(PROJECT_ROOT, f.path).startsWith('..') ? f.path : relative(PROJECT_ROOT, f.path), sha256: f.sha256, bytes: f.bytes })),
      embeddingDim: model.embeddingDim,
      hasText: model.hasText,
      logitScale: model.logitScale,
      preprocess: model.preprocess,
      tokenizer: model.tokenizer ?? null,
      demo: model.manifest.demo,
      trainedOn: model.manifest.trainedOn,
    },
    protocol: {
      seeds: opts.seeds,
      shots: opts.shots,
      valPerClass: 'min(k, 4) per class, disjoint from the k-shot train draw (CoOp lpclip); 10% of each class for k = all',
      solver: opts.settings.solver,
      cGrid: [...opts.settings.grid],
      refineSteps: opts.settings.refineSteps,
      maxIter: opts.settings.maxIter,
      featureNormalization: 'l2',
      zeroShotScale: model.logitScale,
      bootstrap: { resamples: opts.bootstrapResamples, seed: BOOTSTRAP_SEED, level: 0.95 },
      limit: opts.limit,
      threads: opts.threads,
      batchSize: opts.batchSize,
    },
    datasets: results,
    timings: { totalSeconds: (performance.now() - t0) / 1000 },
    warnings,
  };
}

async function benchDataset(
  opts: BenchOptions,
  model: ClipModel,
  ds: Dataset,
  trainLabels: Int32Array | null,
  allTestLabels: Int32Array,
  warnings: string[],
): Promise<DatasetResult> {
  const K = ds.classes.length;
  const timings: Record<string, number> = {};
  const featureCache: DatasetResult['featureCache'] = {};
  const extract = async (split: 'train' | 'test', indices: Int32Array): Promise<ExtractResult> => {
    const r = await extractImageFeatures({
      encoder: model,
      dataset: ds,
      split,
      indices,
      cacheRoot: opts.cacheRoot,
      batchSize: opts.batchSize,
      workers: opts.workers,
      label: `${ds.name} ${split} features`,
      quiet: opts.quiet,
      log: opts.log,
    });
    timings[`${split}Features`] = r.seconds;
    featureCache[split] = { dir: r.cacheDir, cachedRows: r.cachedRows, computedRows: r.computedRows };
    opts.log(`${ds.name}/${split}: ${indices.length} images (${r.cachedRows} cached, ${r.computedRows} encoded) in ${r.seconds.toFixed(1)} s`);
    return r;
  };

  // Test set (optionally a seeded subset for quick runs).
  let testIdx = Int32Array.from(allTestLabels.keys());
  if (opts.limit !== null && opts.limit < testIdx.length) {
    testIdx = new Rng(deriveSeed(0, `limit/${ds.name}`)).permutation(allTestLabels.length).slice(0, opts.limit).sort();
  }
  const testLabels = Int32Array.from(testIdx, (i) => allTestLabels[i]);
  const test = await extract('test', testIdx);
  const d = test.dim;

  // Zero-shot.
  let zeroShot: ZeroShotResult;
  if (!opts.zeroShot) zeroShot = { available: false, reason: 'disabled with --no-zero-shot' };
  else if (!model.hasText) zeroShot = { available: false, reason: `${model.name} has no text tower (image-only backbone): probes only` };
  else {
    const tz = performance.now();
    const prompts = classPrompts(ds.classes, ds.templates);
    const text = await embedTexts(model, prompts, opts.cacheRoot);
    if (text.dim !== d) throw new UserError(`${model.name}: text embeddings are ${text.dim}-d but image embeddings ${d}-d`);
    const ev = evaluateZeroShot({ imageFeats: test.features, labels: testLabels, textEmb: text.data, numClasses: K, numTemplates: ds.templates.length, dim: d, scale: model.logitScale });
    const est = zeroShotEstimates(ev.correct, testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/zero-shot`), opts.bootstrapResamples);
    for (const g of ev.indistinguishable)
      warnings.push(`${ds.name}: ${model.name} gives identical text embeddings for classes ${g.map((c) => `"${ds.classes[c]}"`).join(', ')}; zero-shot cannot tell them apart (ties go to the first)`);
    const inDomain = model.manifest.trainedOn.includes(ds.name);
    if (inDomain) warnings.push(`${ds.name}: ${model.name} declares it was trained on this dataset's labels; its zero-shot result is in-domain, not transfer`);
    zeroShot = { available: true, templates: [...ds.templates], metrics: toRecord(ev.metrics), ...est, inDomain, seconds: (performance.now() - tz) / 1000 };
    timings.zeroShot = zeroShot.seconds!;
  }

  // k-shot linear probes.
  const probes: ProbeResult[] = [];
  let breakEvenShots: number | null = null;
  let breakEvenNote: string | undefined;
  if (trainLabels && opts.shots.length > 0) {
    const draws = planProbeDraws(trainLabels, K, opts.shots, opts.seeds);
    const poolIdx = drawnIndices(draws);
    const pool = await extract('train', poolIdx);
    const rowOf = new Map<number, number>();
    poolIdx.forEach((p, r) => rowOf.set(p, r));
    const poolFeatures = (idx: Int32Array) => {
      const out = new Float32Array(idx.length * d);
      idx.forEach((p, i) => out.set(pool.features.subarray(rowOf.get(p)! * d, (rowOf.get(p)! + 1) * d), i * d));
      return out;
    };
    const testFeats = test.features;
    const tp = performance.now();
    for (const [k, list] of draws) {
      const perSeed = list.map(({ seed, sample }) => evaluateProbeSeed({ seed, sample, poolLabels: trainLabels, poolFeatures, testFeats, testLabels, numClasses: K, dim: d, settings: opts.settings }));
      const est = probeEstimates(perSeed.map((s) => s.correct), testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/probe/${k}`), opts.bootstrapResamples);
      const short = new Map<number, { available: number; requested: number }>();
      for (const { sample } of list) for (const s of sample.shortClasses) short.set(s.class, { available: s.available, requested: s.requested });
      const top5s = perSeed.map((s) => s.metrics.top5);
      probes.push({
        shots: k,
        solver: opts.settings.solver,
        perSeed: perSeed.map((s) => ({ seed: s.seed, trainCount: s.trainCount, valCount: s.valCount, C: s.C, sweep: s.sweep, metrics: toRecord(s.metrics), seconds: s.seconds })),
        ...est,
        top5: top5s.every((t) => t !== null) ? top5Estimate(top5s as number[]) : null,
        shortClasses: [...short].map(([c, v]) => ({ class: ds.classes[c], ...v })),
      });
      const p = probes[probes.length - 1];
      opts.log(`${ds.name}: ${k}-shot probe top-1 ${(100 * p.top1.mean).toFixed(1)}% over ${list.length} seeds`);
    }
    timings.probes = (performance.now() - tp) / 1000;
    if (zeroShot.available) {
      const numeric = probes.filter((p) => p.shots !== 'all');
      const be = breakEven(numeric.map((p) => p.shots as number), numeric.map((p) => p.top1.mean), zeroShot.top1!.mean);
      breakEvenShots = be.shots;
      if (be.status === 'already-above') breakEvenNote = `the probe already matches zero-shot at the smallest k tried (${be.shots}); the true break-even is at most that`;
      if (be.status === 'never') breakEvenNote = 'the probe never reaches zero-shot top-1 within the shots tried';
    }
    if (opts.exportFeaturesDir) {
      await exportFeatures(join(opts.exportFeaturesDir, ds.name), {
        pool: { features: pool.features, dim: d, indices: poolIdx, labels: Int32Array.from(poolIdx, (i) => trainLabels[i]) },
        test: { features: test.features, dim: d, indices: testIdx, labels: testLabels },
        classes: ds.classes,
      });
    }
  } else if (!trainLabels) {
    warnings.push(`${ds.name}: no train split, so no linear probes (zero-shot only)`);
    if (opts.exportFeaturesDir)
      await exportFeatures(join(opts.exportFeaturesDir, ds.name), { pool: null, test: { features: test.features, dim: d, indices: testIdx, labels: testLabels }, classes: ds.classes });
  }

  const splits: DatasetResult['splits'] = { test: { identity: ds.identity('test'), size: allTestLabels.length, used: testIdx.length } };
  if (trainLabels) splits.train = { identity: ds.identity('train'), size: trainLabels.length, used: featureCache.train?.cachedRows !== undefined ? featureCache.train.cachedRows + featureCache.train.computedRows : 0 };
  return {
    name: ds.name,
    provenance: { ...ds.provenance },
    classes: [...ds.classes],
    shift: 'none',
    splits,
    probePool: trainLabels ? 'train' : 'none',
    zeroShot,
    probes,
    breakEvenShots,
    ...(breakEvenNote ? { breakEvenNote } : {}),
    timings,
    featureCache,
  };
}

/** top-5 has no per-example vector here; its spread over seeds is reported with a normal-approximation band. */
function top5Estimate(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  const half = values.length > 1 ? (1.96 * std) / Math.sqrt(values.length) : 0;
  return { mean, std, ci: [Math.max(0, mean - half), Math.min(1, mean + half)] as [number, number] };
}

export const defaultThreads = () => Math.max(1, cpus().length);
export { DEFAULT_PROBE_SETTINGS };
