import { link, mkdir, readdir, rename, rm, readFile, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stableHash, stableStringify } from '../util/hash.ts';
import { tempPathFor, writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { encodeChunk, readChunk, sealOf, type SealedChunk } from './chunk-file.ts';

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
  /**
   * Present when images do not go through the session plainly batched: 'per-row-dq' or 'one-per-run'
   * (dynamically quantised graphs: src/model/encode-mode.ts). Keys of batched encoders are unchanged.
   */
  imageEncodeMode?: string;
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
 * A directory of sealed chunks for one feature key. Chunks are write-once and named by their content.
 *   <root>/<hash32>/key.json     the full key (what the hash covers)
 *   <root>/<hash32>/about.json   readable facts outside the key, for `features list`
 *   <root>/<hash32>/chunk-<first>-<last>-<rows>-<seal16>.cbf  sealed chunks (chunk-file.ts)
 * The directory's mtime is set on every load: it is the entry's "last used" time for pruning.
 *
 * Many processes may write one entry at once (array tasks, two bench runs on one cache) with no lock:
 * a chunk appears whole or not at all (temp file + rename), is never changed afterwards, and its name
 * carries its rows and the first 16 hex digits of its SHA-256 seal. Two writers of the same rows with
 * the same bits pick the same name and the later rename replaces the file with identical bytes; rows
 * that differ get another name, so nothing is overwritten and `features verify` can report them.
 * Locks were not used: flock/fcntl locks are unreliable or off on the shared filesystems clusters use
 * (NFS, Lustre without -o flock), and a lock held by a killed task would need breaking.
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
    await cacheWrite(this.dir, "writing the entry's key", async () => {
      await mkdir(this.dir, { recursive: true });
      const keyFile = join(this.dir, 'key.json');
      if (!existsSync(keyFile)) await writeFileAtomic(keyFile, JSON.stringify(JSON.parse(stableStringify(this.key)), null, 2));
      const aboutFile = join(this.dir, 'about.json');
      if (!existsSync(aboutFile)) await writeFileAtomic(aboutFile, JSON.stringify(this.about, null, 2));
    });
  }

  /**
   * Read every chunk; corrupt ones are removed (and reported) so their rows get recomputed. With
   * `within`, only chunks whose index range (from their names) meets [first, last] are read: a shard
   * reads its own share of a shared entry, not every other shard's. Temp files of writers that were
   * killed mid-write (`*.tmp`) are never read.
   */
  async load(within?: { first: number; last: number }): Promise<LoadedRows> {
    const out: LoadedRows = { dim: null, rows: new Map(), corrupt: [] };
    if (!existsSync(this.dir)) return out;
    const now = new Date();
    await utimes(this.dir, now, now).catch(() => undefined); // last used; a read-only cache still reads
    const names = (await readdir(this.dir)).filter((n) => chunkSpan(n) !== null).sort();
    for (const name of names) {
      const span = chunkSpan(name)!;
      if (within && (span.last < within.first || span.first > within.last)) continue;
      const path = join(this.dir, name);
      const chunk = await readChunk(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
      if (chunk === null) continue; // removed meanwhile by another reader that found it corrupt
      const problem = chunkProblem(chunk, span, out.dim);
      if (problem) {
        out.corrupt.push(`${path}: ${problem}`);
        await discardCorrupt(path, span, out.dim);
        continue;
      }
      const sound = chunk as SealedChunk;
      out.dim = sound.dim;
      for (let r = 0; r < sound.indices.length; r++) out.rows.set(sound.indices[r], { data: sound.data, row: r });
    }
    return out;
  }

  /** Seal rows as a new chunk, named by its rows and its seal (see the class comment). */
  async append(indices: Int32Array, data: Float32Array, dim: number): Promise<void> {
    if (indices.length === 0) return;
    const encoded = encodeChunk({ dim, indices, data });
    const name = `chunk-${String(indices[0]).padStart(9, '0')}-${String(indices[indices.length - 1]).padStart(9, '0')}-${indices.length}-${sealOf(encoded).slice(0, SEAL_DIGITS)}.cbf`;
    await cacheWrite(this.dir, `sealing rows ${indices[0]}…${indices[indices.length - 1]}`, () => writeFileAtomic(join(this.dir, name), encoded));
  }
}

/** Hex digits of the seal in a chunk's name. */
const SEAL_DIGITS = 16;

/**
 * First and last row index, row count and (content-named chunks) seal prefix of a chunk, from its file
 * name; null for other names. Chunks written before names carried the seal have none.
 */
export function chunkSpan(name: string): { first: number; last: number; rows: number; seal?: string } | null {
  const m = /^chunk-(\d+)-(\d+)-(\d+)(?:-([0-9a-f]{16}))?\.cbf$/.exec(name);
  return m ? { first: Number(m[1]), last: Number(m[2]), rows: Number(m[3]), ...(m[4] ? { seal: m[4] } : {}) } : null;
}

/** Why a chunk read from a file of this name cannot be used, or null. */
export function chunkProblem(chunk: SealedChunk | { corrupt: string }, span: { seal?: string }, dim: number | null): string | null {
  if ('corrupt' in chunk) return chunk.corrupt;
  if (span.seal && !chunk.seal.startsWith(span.seal)) return 'seal does not match the name';
  if (dim !== null && chunk.dim !== dim) return 'dimension differs from other chunks';
  return null;
}

/**
 * Remove a corrupt chunk without ever removing a sound one: another process may have just renamed a
 * fresh copy of the same rows onto this name. The file is first moved aside (one atomic rename takes
 * whatever is there now), then read again: sound after all, it is linked back (unless yet another
 * copy arrived); corrupt, it is deleted.
 */
async function discardCorrupt(path: string, span: { seal?: string }, dim: number | null): Promise<void> {
  const aside = `${tempPathFor(path)}.corrupt`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const again = await readChunk(aside);
  if (!chunkProblem(again, span, dim)) await link(aside, path).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
  await rm(aside, { force: true });
}

/** Disk-full and quota errors while writing the cache, as one line saying what was kept and what to do. */
async function cacheWrite<T>(dir: string, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
    throw new UserError(
      `feature cache ${dir}: ${code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'} while ${what}; nothing was half-written (the partial temp file was removed) and rows sealed before are kept, so a rerun resumes from them: free space or give another --cache-dir`,
    );
  }
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
