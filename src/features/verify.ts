/**
 * Checking a shared feature-cache entry after sharded extraction, without changing it: every
 * needed row present, in a chunk whose SHA-256 seal holds, with one dimension; rows stored twice
 * (a retried shard) must hold the same bits. Also finds entries that look like shards of the same
 * dataset split written under another model, preprocessing or dataset content: their rows are in
 * the cache, but under another key, so they can never fill this one.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readChunk, type FeatureChunk } from './chunk-file.ts';
import { listFeatureCache } from './cache-admin.ts';
import { chunkProblem, chunkSpan, readKeyFile, type FeatureKey, type FeatureStore } from './store.ts';
import { toRanges, type RowRange } from './shards.ts';
import { stableStringify } from '../util/hash.ts';

export interface EntryCheck {
  dir: string;
  exists: boolean;
  dim: number | null;
  /** Rows needed (positions 0…rows-1 of `indices`). */
  rows: number;
  present: number;
  /** Positions with no sound row. */
  missing: RowRange[];
  missingRows: number;
  /** "<chunk path>: <reason>" for chunks that fail their seal or disagree on dimension. */
  corrupt: string[];
  /** Needed rows stored in more than one chunk: with equal bits (harmless), and with different bits. */
  duplicates: { identical: number; differing: number };
}

/** Scan `store`'s entry for the rows `indices` (sorted split indices). Reads only; deletes nothing. */
export async function checkEntry(store: FeatureStore, indices: Int32Array): Promise<EntryCheck> {
  const out: EntryCheck = { dir: store.dir, exists: existsSync(store.dir), dim: null, rows: indices.length, present: 0, missing: [], missingRows: 0, corrupt: [], duplicates: { identical: 0, differing: 0 } };
  const position = new Map<number, number>();
  for (let p = 0; p < indices.length; p++) position.set(indices[p], p);
  // Where each position's first copy lives (chunk number, row in chunk); -1 = not seen.
  const chunkOf = new Int32Array(indices.length).fill(-1);
  const rowOf = new Int32Array(indices.length);
  const names = out.exists ? (await readdir(store.dir)).filter((n) => chunkSpan(n) !== null).sort() : [];
  const seconds: { p: number; chunk: number; row: number }[] = [];
  for (let c = 0; c < names.length; c++) {
    const path = join(store.dir, names[c]);
    const chunk = await readChunk(path);
    const problem = 'corrupt' in chunk ? chunk.corrupt : chunkProblem(chunk, chunkSpan(names[c])!, null);
    if (problem || 'corrupt' in chunk) {
      out.corrupt.push(`${path}: ${problem}`);
      continue;
    }
    if (out.dim !== null && chunk.dim !== out.dim) {
      out.corrupt.push(`${path}: dimension ${chunk.dim}, other chunks ${out.dim}`);
      continue;
    }
    out.dim = chunk.dim;
    for (let r = 0; r < chunk.indices.length; r++) {
      const p = position.get(chunk.indices[r]);
      if (p === undefined) continue;
      if (chunkOf[p] < 0) {
        chunkOf[p] = c;
        rowOf[p] = r;
      } else seconds.push({ p, chunk: c, row: r });
    }
  }
  // Duplicates are rare (a retried shard that sealed different chunk boundaries): re-read to compare bits.
  const cache = new Map<number, FeatureChunk>();
  const chunkAt = async (c: number) => cache.get(c) ?? cache.set(c, (await readChunk(join(store.dir, names[c]))) as FeatureChunk).get(c)!;
  for (const d of seconds) {
    const a = await chunkAt(chunkOf[d.p]);
    const b = await chunkAt(d.chunk);
    const dim = out.dim!;
    const same = a.data.subarray(rowOf[d.p] * dim, (rowOf[d.p] + 1) * dim).every((v, k) => Object.is(v, b.data[d.row * dim + k]));
    if (same) out.duplicates.identical++;
    else out.duplicates.differing++;
  }
  const missing: number[] = [];
  for (let p = 0; p < indices.length; p++) if (chunkOf[p] < 0) missing.push(p);
  out.missing = toRanges(missing);
  out.missingRows = missing.length;
  out.present = indices.length - missing.length;
  return out;
}

export interface RelatedEntry {
  dir: string;
  rows: number;
  /** What differs from the key looked for, e.g. "model files vision:1a2b3c4d5e6f (this run: vision:…)". */
  differs: string[];
}

/**
 * Other image entries under `root` for the same dataset name (or content), split and shift as
 * `key`: a shard run with another --model, --variant, preprocessing or dataset copy lands there.
 */
export async function relatedEntries(root: string, key: FeatureKey, datasetName: string, ownDir: string): Promise<RelatedEntry[]> {
  const listing = await listFeatureCache(root);
  const out: RelatedEntry[] = [];
  for (const e of listing.entries) {
    if (e.dir === ownDir || e.kind !== 'image' || e.split !== key.split || e.shift !== key.shift) continue;
    const other = (await readKeyFile(e.dir).catch(() => null)) as FeatureKey | null;
    if (!other) continue;
    if (e.dataset !== datasetName && other.dataset !== key.dataset) continue;
    const differs: string[] = [];
    const models = (k: FeatureKey) => k.modelFiles.map((f) => `${f.role}:${f.sha256.slice(0, 12)}`).join(',');
    if (stableStringify(other.modelFiles) !== stableStringify(key.modelFiles)) differs.push(`model files ${models(other)} (this run: ${models(key)})`);
    if (stableStringify(other.preprocess) !== stableStringify(key.preprocess)) differs.push('preprocessing');
    if (other.dataset !== key.dataset)
      differs.push(`dataset content ${String(other.dataset).slice(0, 12)} (this run: ${String(key.dataset).slice(0, 12)})`);
    if (differs.length === 0) differs.push('key format');
    out.push({ dir: e.dir, rows: e.rows, differs });
  }
  return out;
}
