/**
 * The library API: the same steps the `bench` CLI runs, for scripts and CI
 * (datasets → model → features → evaluation → results). Imported as `clip-bench` from the compiled
 * `dist/` (see README "Library API"); every name here is also typed.
 *
 *   const ds = await openDataset('cifar10');
 *   const model = await openModel('models/demo-clip');
 *   const test = await extractImageFeatures({ encoder: model, dataset: ds, split: 'test', cacheRoot: null });
 *   const text = await embedTexts(model, classPrompts(ds.classes, ds.templates), null);
 *   const zs = evaluateZeroShot({ imageFeats: test.features, labels: await ds.labels('test'), textEmb: text.data,
 *     numClasses: ds.classes.length, numTemplates: ds.templates.length, dim: test.dim, scale: model.logitScale });
 */

// Datasets.
export { openDataset, type OpenDatasetOptions } from './datasets/resolve.ts';
export { readTemplates, readClassNames } from './datasets/list-files.ts';
export { BUILTIN_NAMES } from './datasets/registry.ts';
export { SPLITS, type Dataset, type DatasetProvenance, type LabeledImage, type RawImage, type Split } from './datasets/types.ts';

// Models.
export { openModel, resolveModelRef, type OpenModelOptions } from './model/resolve.ts';
export { DEFAULT_MODEL, MODEL_REGISTRY, registryNames, type RegistryEntry } from './model/registry.ts';
export type { ClipModel, ModelFile, Tokenizer } from './model/clip-model.ts';
export type { PreprocessConfig } from './model/preprocess/config.ts';

// Features.
export { extractImageFeatures, type ExtractOptions, type ExtractResult, type ImageEncoder } from './features/extract.ts';
export { embedTexts, type TextEncoder } from './features/text.ts';

// Zero-shot.
export { classPrompts, evaluateZeroShot, zeroShotClassifier, zeroShotLogits, type ZeroShotEvaluation } from './evaluation/zeroshot.ts';

// Linear probes.
export {
  COOP_C_GRID,
  LogisticRegressionProbe,
  MlLogisticRegressionProbe,
  concatProbeData,
  probeFactory,
  selectRows,
  sweepC,
  type LinearProbe,
  type LinearWeights,
  type ProbeData,
  type ProbeFactory,
  type ProbeSolver,
  type SweepOptions,
  type SweepPoint,
  type SweepResult,
} from './evaluation/probe/index.ts';
export { sampleKShot, type KShotSample } from './evaluation/sampling.ts';
export { DEFAULT_PROBE_SETTINGS, evaluateProbeSeed, planProbeDraws, scoreProbe, type ProbeSettings, type Shots } from './evaluation/linear-probe.ts';
export { probeBreakEven } from './evaluation/break-even.ts';
export { effectiveRobustness, corruptionSummary } from './evaluation/robustness.ts';
export { l2NormalizeRows } from './evaluation/normalize.ts';
export { balancedAccuracy, classificationMetrics, confusionMatrix, type Metrics } from './evaluation/metrics.ts';

// A whole bench run.
export { prepareDatasets, runBench, newRunId, defaultThreads, type BenchOptions, type PreparedDataset, type TextSink } from './pipeline/bench.ts';
export { RunInterrupted } from './pipeline/probe-pool.ts';

// Results.
export { readResults } from './results/read.ts';
export { assertValidResults, validateResults } from './results/validate.ts';
export { renderMarkdown } from './results/markdown.ts';
export { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION } from './results/schema.ts';
export type { BenchResults, ClassifierMetrics, DatasetOutcomes, DatasetResult, Estimate, ProbeResult, ZeroShotResult } from './results/schema.ts';
export { unpackArray, type PackedArray } from './results/packed.ts';

// Reports: CSV, PNG plots and a self-contained HTML page from results alone; combining runs.
export { writeRunReport } from './reports/write.ts';

// Errors: expected failures (bad input) are UserErrors with a one-line message.
export { UserError, isUserError } from './util/errors.ts';
