/**
 * The results schema: the contract between evaluation and reporting. Reports (markdown, CSV,
 * plots, HTML, comparisons) read only this; they never recompute. Bump RESULTS_SCHEMA_VERSION on
 * any incompatible change, and keep results.schema.json in step (a test checks both agree).
 */
import type { PackedArray } from './packed.ts';
import type { ProbeFitRecord } from './probe-fit.ts';

export type { ProbeFitRecord } from './probe-fit.ts';

export const RESULTS_SCHEMA_ID = 'clip-bench/results';
export const RESULTS_SCHEMA_VERSION = 5;

/** A statistic over seeds and/or test examples. */
export interface Estimate {
  mean: number;
  /** Sample std over seeds (0 for a single deterministic classifier). */
  std: number;
  /** 95% percentile-bootstrap interval. */
  ci: [number, number];
}

export interface ClassifierMetrics {
  n: number;
  top1: number;
  /** null when fewer than 5 classes. */
  top5: number | null;
  balancedAccuracy: number;
  perClassAccuracy: (number | null)[];
  /** Row = true class, column = predicted; row-major K×K. */
  confusion: number[];
}

export interface ZeroShotResult {
  available: boolean;
  /** Why not, when unavailable (e.g. image-only backbone). */
  reason?: string;
  templates?: string[];
  metrics?: ClassifierMetrics;
  top1?: Estimate;
  balancedAccuracy?: Estimate;
  /** The model declares it saw this dataset's labels: not genuine zero-shot transfer. */
  inDomain?: boolean;
  seconds?: number;
}


export interface ProbeSeedResult {
  seed: number;
  trainCount: number;
  valCount: number;
  C: number;
  /** 'sweep': C chosen on the validation draw; 'fixed': C = 1 (see the probe's protocol for why). */
  cSelection?: 'sweep' | 'fixed';
  /** How this seed's lbfgs fits ran: `protocol.probeFit.precision` with 'auto' resolved by the draw's size. */
  precision?: 'float64' | 'mixed';
  sweep: { C: number; valAccuracy: number }[];
  metrics: ClassifierMetrics;
  seconds: number;
}

export interface ProbeResult {
  /** k examples per class, or 'all' for the full training pool. */
  shots: number | 'all';
  solver: string;
  perSeed: ProbeSeedResult[];
  top1: Estimate;
  top5: Estimate | null;
  balancedAccuracy: Estimate;
  /** The protocol that actually ran for this shot count (it can differ from the requested one). */
  protocol?: ProbeProtocol;
  /** For shots = 'all': mean training examples per class in the draw (where the curve puts the point). */
  effectiveShots?: number;
  /** Classes with fewer training examples than requested (reported, never silently dropped). */
  shortClasses: { class: string; available: number; requested: number }[];
}

export interface ProbeProtocol {
  /** 'mixed' when some seeds swept C and others could not. */
  cSelection: 'sweep' | 'fixed' | 'mixed';
  fixedC?: number;
  /** Why C was fixed, in words. */
  reason?: string;
  /** Distinct k-shot draws among the seeds (fewer than the seeds when draws coincide). */
  distinctDraws: number;
  /** Groups of seeds that drew the same rows. */
  identicalSeeds: number[][];
  /** One sentence for people: what ran, when it is not the requested protocol. */
  note?: string;
  /** 'grid' when C was chosen on the coarse grid only (--search grid); absent for the CoOp search. */
  search?: 'grid';
}

export interface SplitRecord {
  identity: string;
  size: number;
  /** Examples actually used (after --limit). */
  used: number;
}

/** What a shifted test set is (absent on clean records). */
export type ShiftInfo = CorruptionShiftInfo | NaturalShiftInfo;

/** Another dataset's test images of the same classes, through a class mapping. */
export interface NaturalShiftInfo {
  kind: 'natural';
  /** The dataset the test images come from. */
  target: string;
  /** Source class → target classes. */
  mapping: Record<string, string[]>;
  /** Source classes with test images in the shifted set. */
  classesPresent: string[];
  /** true: scored by the classifier restricted to the classes present (CLIP's ImageNet-R/ObjectNet protocol). */
  restricted: boolean;
  note: string;
}

export interface CorruptionShiftInfo {
  kind: 'corruption';
  corruption: string;
  severity: number;
  /** The seed of the per-image randomness; null for deterministic corruptions. */
  seed: number | null;
  /** e.g. "CIFAR-10-C (re-implementation, seed 0)". */
  suite: string;
  /** How faithfully the original corruption is reproduced (exact, encoder, seeded, procedural). */
  fidelity: string;
  group: 'corruptions' | 'extra';
}

export interface DatasetResult {
  name: string;
  provenance: { source: string; checksum: string; license?: string; files?: { path: string; size: number; sha256: string }[] };
  classes: string[];
  /** 'none' for the clean test set, else the shift's label (e.g. "gaussian_noise:3"). */
  shift: string;
  shiftInfo?: ShiftInfo;
  splits: Partial<Record<'train' | 'val' | 'test', SplitRecord>>;
  /**
   * Where the probe's and the methods' rows came from. 'train': k-shot and validation rows both drawn
   * from the train split (disjoint). 'train+val': k-shot rows from train, validation rows (min(k, 4) per
   * class; all of it for k = all) from the dataset's own val split, as CoOp does with its split files.
   */
  probePool: 'train' | 'train+val' | 'none';
  zeroShot: ZeroShotResult;
  probes: ProbeResult[];
  /** Shots (log-interpolated) at which the mean probe top-1 reaches zero-shot top-1; null if never. */
  breakEvenShots: number | null;
  breakEvenNote?: string;
  timings: Record<string, number>;
  featureCache: Record<string, { dir: string | null; cachedRows: number; computedRows: number }>;
  /** Per-example outcomes on this test set (schema v2), so comparisons reuse them; null in files migrated from v1. */
  outcomes: DatasetOutcomes | null;
  /** Few-shot methods beyond zero-shot and the linear probe (--methods; schema v4), scored on this test set; [] when none ran. */
  methods: MethodRecord[];
}

/** One few-shot method (src/evaluation/methods/registry.ts) on one test set, over every shot count. */
export interface MethodRecord {
  method: string;
  /** Shots (log-interpolated) at which its mean top-1 reaches zero-shot top-1; null if never. */
  breakEvenShots: number | null;
  breakEvenNote?: string;
  shots: MethodShotResult[];
}

export interface MethodShotResult {
  shots: number | 'all';
  effectiveShots?: number;
  perSeed: MethodSeedResult[];
  top1: Estimate;
  top5: Estimate | null;
  balancedAccuracy: Estimate;
  /** Methods with a curve (WiSE's α): every point's mean and per-seed top-1 on this test set. */
  curve?: { parameter: string; points: { value: number; top1: number; perSeed: number[] }[] };
  /** What ran when it is not the method's usual protocol (e.g. no validation rows). */
  notes?: string[];
}

export interface MethodSeedResult {
  seed: number;
  trainCount: number;
  valCount: number;
  /** What the method chose on the validation rows (or fixed), e.g. { alpha, beta }. */
  hyperparameters: Record<string, number>;
  /** 'validation': chosen on the draw's validation rows; 'fixed': defaults (no validation rows); 'none': nothing to choose. */
  selection: 'validation' | 'fixed' | 'none';
  metrics: ClassifierMetrics;
  /** Fit time (clean record) for this seed. */
  seconds: number;
}

/**
 * What each classifier answered on each test row, compact (see packed.ts). Row r of every array is
 * test-split row testIndices[r] of splits.test (for a natural shift: of the target dataset's test split).
 */
export interface DatasetOutcomes {
  /** int32 [n], sorted: the --limit subset, or every row. */
  testIndices: PackedArray;
  /** Class indices [n] (uint8 up to 256 classes, else uint16). */
  labels: PackedArray;
  /** Zero-shot's min(5, K) highest-scoring classes per row, best first (column 0 is its prediction); null without zero-shot. */
  zeroShotTop5: PackedArray | null;
  /** Every fitted probe's top-1 prediction per row, in the order of `probes` and their seeds. */
  probes: { shots: number | 'all'; seed: number; C: number; predictions: PackedArray }[];
}

export interface ModelRecord {
  ref: string;
  name: string;
  layout: string;
  files: { role: string; path: string; sha256: string; bytes: number }[];
  embeddingDim: number;
  hasText: boolean;
  logitScale: number;
  preprocess: unknown;
  tokenizer: unknown;
  demo: boolean;
  trainedOn: string[];
  /**
   * How images went through onnxruntime: 'batched'; 'per-row-dq' (a dynamically quantised graph rewritten
   * to quantise each image on its own, then batched: bit-identical to one image per run); 'one-per-run'.
   * Absent in results written before it existed (see recordedEncodeMode).
   */
  imageEncodeMode?: 'batched' | 'per-row-dq' | 'one-per-run';
  /** Why a dynamically quantised graph ran one image per run. */
  imageEncodeReason?: string;
  /** Older results: true when images were encoded one per session run. */
  oneImagePerRun?: boolean;
}

/** The encode mode a model record says ran (older records: oneImagePerRun, else batched). */
export function recordedEncodeMode(m: Pick<ModelRecord, 'imageEncodeMode' | 'oneImagePerRun'>): NonNullable<ModelRecord['imageEncodeMode']> {
  return m.imageEncodeMode ?? (m.oneImagePerRun ? 'one-per-run' : 'batched');
}

export interface BenchResults {
  schema: typeof RESULTS_SCHEMA_ID;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  runId: string;
  createdAt: string;
  command: { argv: string[]; cwd: string };
  environment: {
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    cpuModel: string;
    packages: Record<string, string>;
    gitCommit: string | null;
  };
  model: ModelRecord;
  protocol: {
    seeds: number[];
    shots: (number | 'all')[];
    valPerClass: string;
    solver: string;
    cGrid: number[];
    refineSteps: number;
    maxIter: number;
    featureNormalization: 'l2';
    zeroShotScale: number;
    bootstrap: { resamples: number; seed: number; level: number };
    limit: number | null;
    threads: number;
    /** onnxruntime execution provider of the encoders; absent in records written before --device (cpu). */
    device?: string;
    batchSize: number;
    /** Preprocessing worker threads (0: on the main thread); absent in records written before it was recorded. */
    workers?: number;
    /** Whether onnxruntime's intra-op threads spin-waited; absent in older records (which spun). */
    intraOpSpinning?: boolean;
    /** --methods that ran besides zero-shot and the linear probe (schema v4). */
    methods?: string[];
    /** How each probe fit was solved and C searched (v5); null when the solver ignores C. */
    probeFit: ProbeFitRecord | null;
  };
  /** schema v3: the task that ran; absent means classification. */
  task?: 'classification' | 'retrieval';
  /** Classification records (empty for a --task retrieval run). */
  datasets: DatasetResult[];
  /** schema v3: --task retrieval records (see RetrievalRecord). */
  retrieval?: RetrievalRecord[];
  /** With --shift: per dataset, how zero-shot and the adapted probes hold up (from the records above). */
  robustness?: RobustnessRecord[];
  timings: Record<string, number>;
  warnings: string[];
}

export interface ShiftedAccuracy {
  shift: string;
  top1: number;
  /** shifted − clean top-1, paired over the same test rows. */
  drop: Estimate;
  /** shifted ÷ clean top-1. */
  retained: Estimate;
}

export interface RobustnessMethod {
  /** 'zero-shot', 'linear probe', or a --methods method's name (its pick on validation), e.g. 'tip-adapter'. */
  method: string;
  shots: number | 'all' | null;
  clean: number;
  /** Mean top-1 over every shifted test set of the run. */
  meanShifted: number;
  meanDrop: number;
  meanRetained: number | null;
  perShift: ShiftedAccuracy[];
  /** Corruption summary (mean over severities per corruption, mCA, extras, unnormalised mCE). */
  corruptions: {
    perCorruption: { corruption: string; group: 'corruptions' | 'extra'; severities: number[]; meanTop1: number }[];
    mCA: number | null;
    mCAExtra: number | null;
    mCE: number | null;
    corruptionsCovered: number;
  } | null;
}

export interface RobustnessRecord {
  dataset: string;
  suite: string;
  shifts: string[];
  methods: RobustnessMethod[];
  /**
   * Zero-shot's effective robustness (Taori et al. 2020) on the mean over shifts: its shifted top-1 minus
   * the logit-linear trend through the adapted probes' (clean, shifted) points. null without zero-shot.
   */
  effectiveRobustness: {
    value: number | null;
    predicted: number | null;
    fit: { slope: number; intercept: number; r2: number; points: number } | null;
    flag?: string;
  } | null;
}

/** A statistic that is not a probability (a median rank): same shape as Estimate, any number. */
export interface ValueEstimate {
  mean: number;
  std: number;
  ci: [number, number];
}

/**
 * schema v3: one test set of --task retrieval. `kind: 'class'`: each class's prompt ensemble queries the
 * test images (metrics `mAP`, `precision@k`, `recall@k`, means over classes); `kind: 'caption'`: captions
 * and images (metrics named as CLIP_benchmark's: `image_retrieval_recall@k`, `text_retrieval_recall@k`, plus
 * `image_retrieval_median_rank`, `text_retrieval_median_rank`). Every metric with a 95% bootstrap CI.
 */
export interface RetrievalRecord {
  dataset: string;
  kind: 'class' | 'caption';
  /** 'none' for clean test images. */
  shift: string;
  provenance: { source: string; checksum: string; license?: string };
  images: number;
  /** Text queries: classes (class retrieval) or captions. */
  queries: number;
  captions?: number;
  templates?: string[];
  ks: number[];
  metrics: Record<string, ValueEstimate>;
  perClass?: { class: string; relevant: number; ap: ValueEstimate; precisionAt: ValueEstimate[]; recallAt: ValueEstimate[] }[];
  /** Per-query results for `compare`: caption runs keep both directions' ranks and top-1 (packed int32). */
  outcomes?: Record<string, PackedArray>;
  timings: Record<string, number>;
  featureCache: Record<string, { dir: string | null; cachedRows: number; computedRows: number }>;
}
