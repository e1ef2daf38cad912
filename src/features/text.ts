import { sha256 } from '../util/hash.ts';
import { createProgress, type ProgressOptions } from '../util/progress.ts';
import { encoderDevice, FeatureStore, gatherRows, type FeatureKey, type LoadedRows } from './store.ts';

/** The part of a loaded model that text embedding needs. */
export interface TextEncoder {
  files: { role: string; sha256: string }[];
  tokenizer?: unknown;
  /** onnxruntime execution provider (absent: cpu). */
  device?: string;
  encodeTexts(texts: string[]): Promise<Float32Array>;
  /** Tokens per text: batches are formed from texts of similar length (each padded to its longest). */
  textTokenLengths?(texts: string[]): Promise<Int32Array>;
  /** Texts per encodeTexts call (default 64). */
  textBatchSize?: number;
}

export interface EmbedTextsOptions {
  /** Texts per encoder call (default: the encoder's textBatchSize, else 64). */
  batchSize?: number;
  /** Prompts per sealed cache chunk: what an interruption can lose at most. */
  chunkRows?: number;
  /** Seal a chunk at least this often (ms). */
  chunkMillis?: number;
  /** Progress label. Progress is shown only when a label is given (the commands give one); library callers stay quiet by default. */
  label?: string;
  /** No progress output even with a label (tests, --quiet). */
  quiet?: boolean;
  progressStream?: ProgressOptions['stream'];
  log?: (msg: string) => void;
  /** Called after each chunk is sealed (on disk when caching), with the prompts sealed so far. */
  onSeal?: (sealedPrompts: number) => void;
}

export interface TextEmbeddings {
  /** [texts.length, dim], raw, in the order of `texts` (duplicates repeated). */
  data: Float32Array;
  dim: number;
  /** Every prompt came from the cache. */
  cached: boolean;
  /** Distinct prompts encoded by this call (the rest came from the cache or were duplicates). */
  encoded: number;
}

/** Distinct texts in first-seen order, and for every text its position in that list. */
export function distinctTexts(texts: readonly string[]): { distinct: string[]; slot: Int32Array } {
  const at = new Map<string, number>();
  const slot = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    let s = at.get(texts[i]);
    if (s === undefined) at.set(texts[i], (s = at.size));
    slot[i] = s;
  }
  return { distinct: [...at.keys()], slot };
}

/**
 * The key of a prompt list's embeddings: text-tower hashes, tokenizer settings, the distinct prompts
 * in first-seen order (rows are numbered in that list), the device. A list without repeats keys as before.
 */
export function textFeatureKey(encoder: Omit<TextEncoder, 'encodeTexts'>, texts: readonly string[], distinct: readonly string[] = distinctTexts(texts).distinct): FeatureKey {
  return {
    kind: 'text',
    modelFiles: encoder.files.filter((f) => f.role === 'text').map((f) => ({ role: f.role, sha256: f.sha256 })),
    tokenizer: encoder.tokenizer,
    texts: sha256(JSON.stringify(distinct)),
    ...encoderDevice(encoder.device),
  };
}

/** Cached embeddings of `texts` (in their order), or null when any prompt is missing. Encodes nothing. */
export async function readCachedTexts(cacheRoot: string, encoder: Omit<TextEncoder, 'encodeTexts'>, texts: readonly string[]): Promise<{ data: Float32Array; dim: number } | null> {
  const { distinct, slot } = distinctTexts(texts);
  const loaded = await new FeatureStore(cacheRoot, textFeatureKey(encoder, texts, distinct)).load();
  if (loaded.dim === null || distinct.some((_, i) => !loaded.rows.has(i))) return null;
  return { data: gatherRows(loaded, slot), dim: loaded.dim };
}

/**
 * Embeddings of `texts` ([m, d], raw), cached like image features, in sealed chunks: an interrupted run
 * keeps every chunk it wrote and a rerun encodes only the rest. Identical prompts are encoded once.
 * Where the encoder reports token lengths, prompts go through longest first in batches of similar length,
 * so a batch pads only to its longest prompt. Transient memory is one batch plus one unsealed chunk.
 */
export async function embedTexts(encoder: TextEncoder, texts: string[], cacheRoot: string | null, opts: EmbedTextsOptions = {}): Promise<TextEmbeddings> {
  const { distinct, slot } = distinctTexts(texts);
  const store = cacheRoot ? new FeatureStore(cacheRoot, textFeatureKey(encoder, texts, distinct)) : null;
  const loaded: LoadedRows = store ? await store.load() : { dim: null, rows: new Map(), corrupt: [] };
  for (const c of loaded.corrupt) opts.log?.(`text cache: discarded corrupt chunk ${c}; recomputing its prompts`);
  const missing: number[] = [];
  for (let i = 0; i < distinct.length; i++) if (!loaded.rows.has(i)) missing.push(i);

  if (missing.length > 0) {
    if (store) await store.init();
    await encodeMissing(encoder, distinct, missing, loaded, store, opts);
  }
  if (loaded.dim === null) return { data: new Float32Array(0), dim: 0, cached: missing.length === 0, encoded: 0 };
  return { data: gatherRows(loaded, slot), dim: loaded.dim, cached: missing.length === 0, encoded: missing.length };
}

/** Longest first (a pessimistic ETA and any memory peak at the start), ties by position: the same order on every run. */
async function encodingOrder(encoder: TextEncoder, distinct: string[], missing: number[]): Promise<number[]> {
  if (!encoder.textTokenLengths) return missing;
  const lengths = await encoder.textTokenLengths(missing.map((i) => distinct[i]));
  const order = missing.map((_, k) => k).sort((a, b) => lengths[b] - lengths[a] || a - b);
  return order.map((k) => missing[k]);
}

async function encodeMissing(encoder: TextEncoder, distinct: string[], missing: number[], loaded: LoadedRows, store: FeatureStore | null, opts: EmbedTextsOptions): Promise<void> {
  const batchSize = opts.batchSize ?? encoder.textBatchSize ?? 64;
  const chunkRows = opts.chunkRows ?? 4096;
  const chunkMillis = opts.chunkMillis ?? 30_000;
  const progress = createProgress(opts.label ?? 'text prompts', missing.length, { unit: 'prompts', silent: opts.quiet ?? opts.label === undefined, stream: opts.progressStream });
  progress.tick(0); // on a terminal: the line is up before the first batch returns
  let pending: { idx: number[]; rows: Float32Array[] } = { idx: [], rows: [] };
  let lastSeal = performance.now();
  let sealed = 0;
  const seal = async () => {
    lastSeal = performance.now();
    const dim = loaded.dim;
    if (pending.idx.length === 0 || dim === null) return;
    // Rows in index order: a chunk's name (first, last, count) is then unique among disjoint chunks.
    const order = pending.idx.map((_, k) => k).sort((a, b) => pending.idx[a] - pending.idx[b]);
    const idx = Int32Array.from(order, (k) => pending.idx[k]);
    const data = new Float32Array(idx.length * dim);
    order.forEach((k, r) => data.set(pending.rows[k], r * dim));
    pending = { idx: [], rows: [] };
    if (store) await store.append(idx, data, dim);
    for (let r = 0; r < idx.length; r++) loaded.rows.set(idx[r], { data, row: r });
    opts.onSeal?.((sealed += idx.length));
  };
  try {
    const order = await encodingOrder(encoder, distinct, missing);
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const emb = await encoder.encodeTexts(idx.map((i) => distinct[i]));
      const dim = emb.length / idx.length;
      if (loaded.dim === null) loaded.dim = dim;
      else if (dim !== loaded.dim) throw new Error(`text encoder returned dimension ${dim}, cache holds ${loaded.dim}`);
      for (let r = 0; r < idx.length; r++) {
        pending.idx.push(idx[r]);
        pending.rows.push(emb.subarray(r * dim, (r + 1) * dim));
      }
      progress.tick(idx.length);
      if (pending.idx.length >= chunkRows || performance.now() - lastSeal >= chunkMillis) await seal();
    }
    await seal();
  } finally {
    progress.done();
  }
}
