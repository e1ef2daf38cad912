import { DEFAULT_METHODS, parseMethods } from '../evaluation/methods/registry.ts';
import { relative } from 'node:path';
import type { ClipModel } from '../model/clip-model.ts';
import type { Metrics } from '../evaluation/metrics.ts';
import { solverUsesC } from '../evaluation/probe/index.ts';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, type BenchResults, type ClassifierMetrics, type DatasetOutcomes, type Estimate, type ModelRecord } from '../results/schema.ts';
import { recordEnvironment } from '../results/environment.ts';
import { classDtype, packArray } from '../results/packed.ts';
import { topKClasses } from '../evaluation/top-k.ts';
import { probeFitMode, type Shots } from '../evaluation/linear-probe.ts';
import { probeFitRecord } from '../results/probe-fit.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { BenchOptions } from './options.ts';

/** Shaping the results record: pure functions from what ran to the schema (reports read only this). */

export const BOOTSTRAP_SEED = 20210226; // CLIP's arXiv date; any fixed value, recorded in results.

export const toRecord = (m: Metrics): ClassifierMetrics => ({ ...m, confusion: Array.from(m.confusion) });

/** What every results record of a run starts with, whatever the task: identity, command, environment, model, protocol. */
export function runRecordHeader(opts: BenchOptions, model: ClipModel, runId: string): Pick<BenchResults, 'schema' | 'schemaVersion' | 'runId' | 'createdAt' | 'command' | 'environment' | 'model' | 'protocol'> {
  return {
    schema: RESULTS_SCHEMA_ID,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    runId,
    createdAt: new Date().toISOString(),
    command: { argv: opts.argv, cwd: process.cwd() },
    environment: recordEnvironment(),
    model: modelRecord(opts.modelRef, model),
    protocol: protocolRecord(opts, model),
  };
}

export function modelRecord(modelRef: string, model: ClipModel): ModelRecord {
  return {
    ref: modelRef,
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
    imageEncodeMode: model.imageEncodeMode ?? 'batched',
    ...(model.imageEncodeReason !== undefined ? { imageEncodeReason: model.imageEncodeReason } : {}),
  };
}

/** The run-level protocol. A solver that ignores C records no C grid and no refinement (none ran). */
export function protocolRecord(opts: BenchOptions, model: ClipModel): BenchResults['protocol'] {
  const usesC = solverUsesC(opts.settings.solver);
  return {
    seeds: opts.seeds,
    shots: opts.shots,
    valPerClass: usesC
      ? "min(k, 4) per class, disjoint from the k-shot train draw (CoOp lpclip); 10% of each class for k = all; from the dataset's own val split instead where it names one (CoOp split files: probePool train+val)"
      : 'none used: the solver ignores C, so nothing is tuned on validation; the val draw joins the training rows',
    solver: opts.settings.solver,
    cGrid: usesC ? [...opts.settings.grid] : [],
    refineSteps: usesC ? probeFitMode(opts.settings).refineSteps : 0,
    maxIter: opts.settings.maxIter,
    featureNormalization: 'l2',
    zeroShotScale: model.logitScale,
    bootstrap: { resamples: opts.bootstrapResamples, seed: BOOTSTRAP_SEED, level: 0.95 },
    limit: opts.limit,
    threads: opts.threads,
    device: opts.device ?? 'cpu',
    batchSize: opts.batchSize,
    workers: opts.workers,
    intraOpSpinning: model.spinning ?? false,
    ...(extraMethods(opts).length ? { methods: extraMethods(opts) } : {}),
    probeFit: usesC ? probeFitRecord(probeFitMode(opts.settings).search, probeFitMode(opts.settings).precision) : null,
  };
}

/** The --methods that run besides the baselines (zero-shot, linear-probe), in registry order. */
export function extraMethods(opts: Pick<BenchOptions, 'methods'>): string[] {
  return parseMethods((opts.methods ?? DEFAULT_METHODS).join(',')).filter((m) => m.impl !== 'baseline').map((m) => m.name);
}

/** top-5 has no per-example vector here; its spread over seeds is reported with a normal-approximation band. */
export function top5Estimate(values: number[]): Estimate {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  const half = values.length > 1 ? (1.96 * std) / Math.sqrt(values.length) : 0;
  return { mean, std, ci: [Math.max(0, mean - half), Math.min(1, mean + half)] };
}

/** Per-example outcomes of one test set, packed for results.json: what a later `compare` reuses instead of rerunning the model. */
export function outcomesRecord(args: {
  testIdx: Int32Array;
  labels: Int32Array;
  numClasses: number;
  /** Zero-shot logits [n, K] (restricted, for a restricted shift); null without zero-shot. */
  zeroShotScores: Float32Array | null;
  probes: Map<Shots, { seed: number; C: number; predictions: Int32Array }[]>;
}): DatasetOutcomes {
  const cls = classDtype(args.numClasses);
  const n = args.testIdx.length;
  const top5 = args.zeroShotScores ? topKClasses(args.zeroShotScores, args.numClasses, 5) : null;
  return {
    testIndices: packArray(args.testIdx, 'int32'),
    labels: packArray(args.labels, cls),
    zeroShotTop5: top5 ? packArray(top5.classes, cls, [n, top5.width]) : null,
    probes: [...args.probes].flatMap(([shots, seeds]) => seeds.map((s) => ({ shots, seed: s.seed, C: s.C, predictions: packArray(s.predictions, cls) }))),
  };
}
