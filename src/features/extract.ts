import type { Dataset, LabeledImage, Split } from '../datasets/types.ts';
import type { PreprocessConfig } from '../model/preprocess/config.ts';
import { createProgress } from '../util/progress.ts';
import { UserError } from '../util/errors.ts';
import { encoderDevice, FeatureStore, gatherRows, range, type FeatureKey, type LoadedRows } from './store.ts';
import { formatRanges, toRanges } from './shards.ts';
import { PreprocessPool, type PendingBatch } from './worker-pool.ts';
import { extractionDefaults, type PreprocessSchedule } from './extraction-defaults.ts';
import { NO_SHIFT, type ImageShift } from './shift.ts';

/** The part of a loaded model that feature extraction needs. */
export interface ImageEncoder {
  files: { role: string; sha256: string }[];
  preprocess: PreprocessConfig;
  /** onnxruntime execution provider (absent: cpu). */
  device?: string;
  /**
   * How images go through the session (src/model/encode-mode.ts); modes other than 'batched' are cached
   * apart. Absent: batched.
   */
  imageEncodeMode?: string;
  encodeImages(pixels: Float32Array, n: number): Promise<Float32Array>;
}

export interface ExtractOptions {
  encoder: ImageEncoder;
  dataset: Dataset;
  split: Split;
  /** Sorted, unique indices into the split; all of it when omitted. */
  indices?: Int32Array;
  /** Feature cache root; null disables caching. */
  cacheRoot: string | null;
  shift?: ImageShift;
  batchSize?: number;
  /** Preprocessing worker threads (0 = inline on the main thread; default: extractionDefaults()). */
  workers?: number;
  /** A running pool to use (and leave running) instead of starting `workers` new threads. */
  pool?: PreprocessPool;
  /**
   * When preprocessing runs (see docs/extraction.md): 'overlap' preprocesses the next batches on the workers
   * while the encoder runs; 'phased' preprocesses each batch on the workers and the main thread together,
   * between encoder runs, so nothing competes with the encoder's threads. Default: extractionDefaults().
   */
  schedule?: PreprocessSchedule;
  /** Rows per sealed cache chunk: what an interruption can lose at most. */
  chunkRows?: number;
  /** Seal a chunk at least this often (ms) on slow models, so a kill loses at most this much work. */
  chunkMillis?: number;
  label?: string;
  /**
   * Encode nothing: rows missing from the cache are a UserError naming them (bench --require-cached,
   * after a sharded extraction). Rows are named by position in `indices`, as `features verify` does.
   */
  requireCached?: boolean;
  /** No progress output (tests). */
  quiet?: boolean;
  /** Where progress goes; default process.stderr. */
  progressStream?: { write(s: string): unknown; isTTY?: boolean };
  log?: (msg: string) => void;
}

export interface ExtractResult {
  indices: Int32Array;
  /** Row-major [indices.length, dim], raw embeddings as the model outputs them. */
  features: Float32Array;
  dim: number;
  cachedRows: number;
  computedRows: number;
  seconds: number;
  cacheDir: string | null;
}

export function imageFeatureKey(encoder: Omit<ImageEncoder, 'encodeImages'>, dataset: Dataset, split: Split, shift: ImageShift): FeatureKey {
  return imageFeatureKeyOf(encoder, dataset.identity(split), split, shift.id);
}

/** The same key from a recorded split identity and shift id (a stored run's embeddings). */
export function imageFeatureKeyOf(encoder: Omit<ImageEncoder, 'encodeImages'>, datasetIdentity: string, split: string, shiftId: string): FeatureKey {
  return {
    kind: 'image',
    modelFiles: encoder.files.filter((f) => f.role !== 'text').map((f) => ({ role: f.role, sha256: f.sha256 })),
    preprocess: encoder.preprocess,
    dataset: datasetIdentity,
    split,
    shift: shiftId,
    ...encoderDevice(encoder.device),
    ...(encoder.imageEncodeMode && encoder.imageEncodeMode !== 'batched' ? { imageEncodeMode: encoder.imageEncodeMode } : {}),
  };
}

/**
 * Stream a split through shift → preprocessing (worker threads) → encoder, in batches, reusing and
 * extending the persistent feature cache. Preprocessing of the next batches overlaps with inference
 * of the current one. An interrupted run keeps every sealed chunk and resumes from there.
 */
export async function extractImageFeatures(opts: ExtractOptions): Promise<ExtractResult> {
  const t0 = performance.now();
  const { encoder, dataset, split } = opts;
  const shift = opts.shift ?? NO_SHIFT;
  const batchSize = opts.batchSize ?? 32;
  const chunkRows = opts.chunkRows ?? 2048;
  const chunkMillis = opts.chunkMillis ?? 30_000;
  const log = opts.log ?? (() => {});
  const indices = opts.indices ?? range(await dataset.size(split));

  const store = opts.cacheRoot ? new FeatureStore(opts.cacheRoot, imageFeatureKey(encoder, dataset, split, shift), { dataset: dataset.name }) : null;
  const within = indices.length ? { first: indices[0], last: indices[indices.length - 1] } : undefined;
  const loaded = store ? await store.load(within) : { dim: null, rows: new Map(), corrupt: [] as string[] };
  for (const c of loaded.corrupt) log(`feature cache: discarded corrupt chunk ${c}; recomputing its rows`);
  const missing = indices.filter((i) => !loaded.rows.has(i));
  const cachedRows = indices.length - missing.length;
  if (opts.requireCached && missing.length > 0) throw notCached(opts, indices, missing.length, loaded);

  if (missing.length > 0) {
    if (store) await store.init();
    // A caller extracting many test sets (shifts) passes one pool, so workers start once, not per set.
    const pool = opts.pool ?? new PreprocessPool(opts.workers ?? extractionDefaults().workers, { inlineUntilReady: true });
    const progress = createProgress(opts.label ?? `features ${dataset.name}/${split}`, missing.length, { unit: 'img', silent: opts.quiet, stream: opts.progressStream });
    let pendingRows: { idx: number[]; feats: Float32Array[] } = { idx: [], feats: [] };
    let dim = loaded.dim;
    let lastFlush = performance.now();
    const flush = async () => {
      lastFlush = performance.now();
      if (pendingRows.idx.length === 0 || dim === null) return;
      const idx = Int32Array.from(pendingRows.idx);
      const data = concat(pendingRows.feats, idx.length * dim);
      pendingRows = { idx: [], feats: [] };
      if (store) await store.append(idx, data, dim);
      for (let r = 0; r < idx.length; r++) loaded.rows.set(idx[r], { data, row: r });
    };

    // Overlap: up to `ahead` batches handed to the workers while the encoder works. Phased: one batch, handed
    // over and taken at once, so the workers and the main thread preprocess it together between encoder runs.
    const phased = (opts.schedule ?? extractionDefaults().schedule) === 'phased';
    const ahead = phased ? 1 : Math.max(2, pool.size + 1);
    const inflight: { idx: number[]; batch: PendingBatch }[] = [];
    const encodeNext = async () => {
      const job = inflight.shift()!;
      const pixels = await job.batch.take();
      const emb = await encoder.encodeImages(pixels, job.idx.length);
      pool.recycle(pixels); // its memory serves a later batch
      const d = emb.length / job.idx.length;
      if (dim === null) loaded.dim = dim = d;
      else if (d !== dim) throw new Error(`encoder returned dimension ${d}, cache holds ${dim}`);
      pendingRows.idx.push(...job.idx);
      pendingRows.feats.push(emb);
      progress.tick(job.idx.length);
      if (pendingRows.idx.length >= chunkRows || performance.now() - lastFlush >= chunkMillis) await flush();
    };

    try {
      let batch: LabeledImage[] = [];
      const submit = () => {
        const job = { cfg: encoder.preprocess, shift: shift.id, datasetIdentity: dataset.identity(split), split, images: batch.map((b) => b.image), indices: batch.map((b) => b.index) };
        inflight.push({ idx: job.indices, batch: pool.submit(job) });
        batch = [];
      };
      for await (const ex of dataset.read(split, missing)) {
        batch.push(ex);
        if (batch.length === batchSize) {
          submit();
          if (inflight.length >= ahead) await encodeNext();
        }
      }
      if (batch.length > 0) submit();
      while (inflight.length > 0) await encodeNext();
      await flush();
    } finally {
      progress.done();
      if (!opts.pool) await pool.close();
    }
  }

  const features = gatherRows(loaded, indices);
  return {
    indices,
    features,
    dim: loaded.dim!,
    cachedRows,
    computedRows: missing.length,
    seconds: (performance.now() - t0) / 1000,
    cacheDir: store?.dir ?? null,
  };
}

function notCached(opts: ExtractOptions, indices: Int32Array, missing: number, loaded: LoadedRows): UserError {
  const positions: number[] = [];
  for (let p = 0; p < indices.length; p++) if (!loaded.rows.has(indices[p])) positions.push(p);
  const what = opts.label ?? `${opts.dataset.name}/${opts.split}`;
  const where = opts.cacheRoot ? `the feature cache ${opts.cacheRoot}` : 'the feature cache (--no-cache was given)';
  return new UserError(
    `--require-cached: ${what}: ${missing} of ${indices.length} rows are not in ${where} (rows ${formatRanges(toRanges(positions))}); ` +
      `encode them with npm run features -- extract (same --model, --dataset, --split, --limit, --shift), or see which shard is missing with npm run features -- verify --help`,
  );
}

function concat(parts: Float32Array[], total: number): Float32Array {
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
