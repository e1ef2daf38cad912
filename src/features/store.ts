import { mkdir, readdir, rm, readFile, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stableHash, stableStringify } from '../util/hash.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { readChunk, writeChunk } from './chunk-file.ts';

/** Bump when the meaning of cached features changes (invalidates every entry). */
export const FEATURE_FORMAT_VERSION = 1;

/**
 * Everything that determines a cached embedding. The key is a hash of all of it, so a change of
 * model file, preprocessing, tokenizer, dataset content, split or shift can never reuse stale rows
 * (CLIP_benchmark's cache key ignores settings; this one does not).
 */
export interface FeatureKey {
  kind: 'image' | 'text';
  modelFiles: { role: string; sha256: string }[];
  preprocess?: unknown;
  tokenizer?: unknown;
  dataset?: string;
  split?: string;
  shift?: string;
  /** For text: hash of the prompt list. */
  texts?: string;
  /** The onnxruntime execution provider, when not the CPU (see encoderDevice). */
  device?: string;
  /** Present (true) when the encoder runs one image per call (dynamically quantised graphs: src/model/load.ts). */
  oneImagePerRun?: boolean;
}

/**
 * The execution provider joins a key only when it is not the CPU: a GPU's kernels round differently, so its
 * embeddings are cached apart, while every CPU cache written before --device existed keeps its key.
 */
export const encoderDevice = (device: string | undefined): Pick<FeatureKey, 'device'> => (device && device !== 'cpu' ? { device } : {});

export function featureKeyHash(key: FeatureKey): string {
  return stableHash({ v: FEATURE_FORMAT_VERSION, ...key });
}

export interface LoadedRows {
  dim: number | null;
  /** index → [chunk data, row] */
  rows: Map<number, { data: Float32Array; row: number }>;
  corrupt: string[];
}

/** Names of entry directories under a cache root: the first 32 hex digits of the key hash. */
export const ENTRY_NAME = /^[0-9a-f]{32}$/;

/** Readable facts about an entry that are not part of its key (e.g. the dataset's name). */
export interface FeatureEntryAbout {
  dataset?: string;
}

/**
 * A directory of sealed chunks for one feature key. Chunks are immutable once written.
 *   <root>/<hash32>/key.json     the full key (what the hash covers)
 *   <root>/<hash32>/about.json   readable facts outside the key, for `features list`
 *   <root>/<hash32>/chunk-*.cbf  sealed chunks (chunk-file.ts)
 * The directory's mtime is set on every load: it is the entry's "last used" time for pruning.
 */
export class FeatureStore {
  readonly dir: string;

  constructor(
    root: string,
    readonly key: FeatureKey,
    readonly about: FeatureEntryAbout = {},
  ) {
    this.dir = join(root, featureKeyHash(key).slice(0, 32));
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const keyFile = join(this.dir, 'key.json');
    if (!existsSync(keyFile)) await writeFileAtomic(keyFile, JSON.stringify(JSON.parse(stableStringify(this.key)), null, 2));
    const aboutFile = join(this.dir, 'about.json');
    if (!existsSync(aboutFile)) await writeFileAtomic(aboutFile, JSON.stringify(this.about, null, 2));
  }

  /**
   * Read every chunk; corrupt ones are deleted (and reported) so their rows get recomputed. With
   * `within`, only chunks whose index range (from their names) meets [first, last] are read: a shard
   * reads its own share of a shared entry, not every other shard's.
   */
  async load(within?: { first: number; last: number }): Promise<LoadedRows> {
    const out: LoadedRows = { dim: null, rows: new Map(), corrupt: [] };
    if (!existsSync(this.dir)) return out;
    const now = new Date();
    await utimes(this.dir, now, now).catch(() => undefined); // last used; a read-only cache still reads
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.cbf')).sort();
    for (const name of names) {
      const span = chunkSpan(name);
      if (within && span && (span.last < within.first || span.first > within.last)) continue;
      const path = join(this.dir, name);
      const chunk = await readChunk(path);
      if ('corrupt' in chunk || (out.dim !== null && chunk.dim !== out.dim)) {
        out.corrupt.push(`${path}: ${'corrupt' in chunk ? chunk.corrupt : 'dimension differs from other chunks'}`);
        await rm(path, { force: true });
        continue;
      }
      out.dim = chunk.dim;
      for (let r = 0; r < chunk.indices.length; r++) out.rows.set(chunk.indices[r], { data: chunk.data, row: r });
    }
    return out;
  }

  /**
   * Seal rows as a new chunk. The name holds the first and last index and the count: processes
   * encoding disjoint rows (shards) never pick the same name, and the write is temp file + rename.
   */
  async append(indices: Int32Array, data: Float32Array, dim: number): Promise<void> {
    if (indices.length === 0) return;
    const name = `chunk-${String(indices[0]).padStart(9, '0')}-${String(indices[indices.length - 1]).padStart(9, '0')}-${indices.length}.cbf`;
    await writeChunk(join(this.dir, name), { dim, indices, data });
  }
}

/** First and last row index and row count of a chunk, from its file name (null for other names). */
export function chunkSpan(name: string): { first: number; last: number; rows: number } | null {
  const m = /^chunk-(\d+)-(\d+)-(\d+)\.cbf$/.exec(name);
  return m ? { first: Number(m[1]), last: Number(m[2]), rows: Number(m[3]) } : null;
}

export function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Rows for `indices`, in that order, from loaded chunks (all must be present). */
export function gatherRows(loaded: LoadedRows, indices: ArrayLike<number>): Float32Array {
  const dim = loaded.dim!;
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    const hit = loaded.rows.get(indices[i]);
    if (!hit) throw new Error(`feature row ${indices[i]} missing from cache`);
    out.set(hit.data.subarray(hit.row * dim, (hit.row + 1) * dim), i * dim);
  }
  return out;
}

export async function readKeyFile(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, 'key.json'), 'utf8'));
}
