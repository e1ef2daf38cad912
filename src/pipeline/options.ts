/** What one bench run is asked to do: the options every pipeline step reads (in its own module, so the steps need not import bench.ts). */
import type { Dataset } from '../datasets/types.ts';
import type { Device } from '../model/device.ts';
import type { ProbeSettings, Shots } from '../evaluation/linear-probe.ts';

/** A writable text stream (process.stderr, a test's capture). */
export interface TextSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface BenchOptions {
  modelRef: string;
  /** Dataset names/paths (opened by prepareDatasets) or Dataset objects (e.g. in-memory). */
  datasets: (string | Dataset)[];
  shots: Shots[];
  seeds: number[];
  limit: number | null;
  templatesFile: string | null;
  /** Parquet datasets: image and label columns (--image-column, --label-column). */
  imageColumn?: string | null;
  labelColumn?: string | null;
  /** CoOp datasets: the split file (--split-file). */
  splitFile?: string | null;
  /** Class names file (--classes): names for data that carries none, or renames. */
  classesFile?: string | null;
  settings: ProbeSettings;
  threads: number;
  /** onnxruntime execution provider the model was opened with (recorded; default cpu). */
  device?: Device;
  workers: number;
  /** Worker threads that fit probes; 0 fits on the calling thread. Default: one per core. */
  probeWorkers?: number;
  batchSize: number;
  cacheRoot: string | null;
  /** Encode no image: a row missing from the cache is a UserError naming it (after sharded extraction). */
  requireCached?: boolean;
  exportFeaturesDir: string | null;
  dataDir: string | null;
  source: string | null;
  skipBad: boolean;
  bootstrapResamples: number;
  zeroShot: boolean;
  argv: string[];
  /** Default: a new timestamped id. */
  runId?: string;
  /** One line of news (default: written to `stderr`). */
  log?: (msg: string) => void;
  /** Where progress and log lines go; default process.stderr. */
  stderr?: TextSink;
  /** No progress output. */
  quiet?: boolean;
  /** --shift spec (e.g. "gaussian_noise:3,fog", "corruptions"): every test set is also scored shifted. */
  shift?: string | null;
  /** Seed of the seeded corruptions' per-image randomness (default 0). */
  shiftSeed?: number;
  /** --save-heads: write every linear head fitted (ONNX + .npy + manifest.json) under <dir>/<dataset>/. */
  saveHeadsDir?: string | null;
  /** --methods by registry name (src/evaluation/methods/registry.ts); default zero-shot, linear-probe. */
  methods?: string[];
  /** Stops the run (SIGINT/SIGTERM in the CLI): probes stop at once, sealed feature chunks stay cached. */
  signal?: AbortSignal;
}
