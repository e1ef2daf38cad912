/**
 * Seeing and pruning the feature cache (store.ts), which otherwise only grows: one entry per
 * model × dataset split × shift (and per prompt list for text).
 *
 * Removal is whole entries only, and safe against interruption: an entry is first renamed to a
 * hidden `.pruning-*` name in the same root (one atomic rename, after which no run can find it:
 * runs look entries up by their 32-hex name), then deleted. A kill mid-delete leaves a hidden
 * folder that is never read as an entry, and the next prune finishes it. Do not prune while a
 * bench run is using the cache: an entry it is writing would be removed under it.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { chunkSpan, ENTRY_NAME, type FeatureEntryAbout, type FeatureKey } from './store.ts';

/** Leftovers of an interrupted prune. */
const PRUNING_PREFIX = '.pruning-';
/** Hex digits shown of each hash: enough to tell entries apart by eye. */
const SHORT = 12;
const DAY_MS = 86_400_000;

export interface FeatureCacheEntry {
  /** Directory name (first 32 hex digits of the key hash). */
  id: string;
  dir: string;
  kind: FeatureKey['kind'] | 'unknown';
  /** "role:sha256 prefix" per model file in the key. */
  models: string[];
  /** Dataset name when the entry was first written (about.json), if recorded. */
  dataset?: string;
  /** Dataset split identity (content hash), shortened. */
  datasetId?: string;
  split?: string;
  shift?: string;
  /** Text entries: hash of the prompt list, shortened. */
  texts?: string;
  /** Rows in sealed chunks (from chunk names; chunks are not read). */
  rows: number;
  chunks: number;
  /** All files of the entry, temp files included. */
  bytes: number;
  lastUsed: Date;
  /** Set when key.json is missing or unreadable (the entry still works; its key is unknown). */
  problem?: string;
}

export interface FeatureCacheListing {
  root: string;
  /** Most recently used first. */
  entries: FeatureCacheEntry[];
  totalBytes: number;
  /** Hidden folders left by an interrupted prune (removed by the next prune). */
  leftovers: string[];
}

/** Every entry under `root`; a root that does not exist is an empty cache. */
export async function listFeatureCache(root: string): Promise<FeatureCacheListing> {
  const names = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    if (e.code === 'ENOTDIR') throw new UserError(`feature cache ${root} is a file, not a folder; give the cache folder (default .cache/features)`);
    throw e;
  });
  const entries: FeatureCacheEntry[] = [];
  for (const name of names) {
    if (!ENTRY_NAME.test(name)) continue;
    const dir = join(root, name);
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    entries.push(await describeEntry(name, dir, st.mtime));
  }
  entries.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime() || (a.id < b.id ? -1 : 1));
  return {
    root,
    entries,
    totalBytes: entries.reduce((s, e) => s + e.bytes, 0),
    leftovers: names.filter((n) => n.startsWith(PRUNING_PREFIX)).map((n) => join(root, n)),
  };
}

async function describeEntry(id: string, dir: string, lastUsed: Date): Promise<FeatureCacheEntry> {
  const files = await readdir(dir, { withFileTypes: true });
  let bytes = 0;
  let rows = 0;
  let chunks = 0;
  for (const f of files) {
    if (!f.isFile()) continue;
    bytes += (await stat(join(dir, f.name)).catch(() => undefined))?.size ?? 0;
    const span = chunkSpan(f.name);
    if (span) {
      rows += span.rows;
      chunks++;
    }
  }
  const entry: FeatureCacheEntry = { id, dir, kind: 'unknown', models: [], rows, chunks, bytes, lastUsed };
  const key = await readJson<Partial<FeatureKey>>(join(dir, 'key.json'));
  if ('error' in key) {
    entry.problem = `key.json ${key.error}`;
  } else {
    const k = key.value;
    entry.kind = k.kind === 'image' || k.kind === 'text' ? k.kind : 'unknown';
    entry.models = (k.modelFiles ?? []).map((f) => `${f.role}:${String(f.sha256).slice(0, SHORT)}`);
    if (k.dataset !== undefined) entry.datasetId = String(k.dataset).slice(0, SHORT);
    if (k.split !== undefined) entry.split = k.split;
    if (k.shift !== undefined) entry.shift = k.shift;
    if (k.texts !== undefined) entry.texts = String(k.texts).slice(0, SHORT);
  }
  const about = await readJson<FeatureEntryAbout>(join(dir, 'about.json'));
  if (!('error' in about) && typeof about.value.dataset === 'string') entry.dataset = about.value.dataset;
  return entry;
}

async function readJson<T>(path: string): Promise<{ value: T } | { error: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(e as Error).message})` };
  }
  try {
    const value = JSON.parse(text) as T;
    return value !== null && typeof value === 'object' ? { value } : { error: 'is not a JSON object' };
  } catch {
    return { error: 'is not valid JSON' };
  }
}

/** A one-line summary of what an entry's key covers, e.g. "image vision:1a2b… cifar10 (3f0c…)/test shift none". */
export function describeKey(e: FeatureCacheEntry): string {
  if (e.problem) return `unknown key (${e.problem})`;
  const data = e.kind === 'text' ? `prompts ${e.texts ?? '?'}` : `${e.dataset ?? 'dataset'} ${e.datasetId ?? '?'}/${e.split ?? '?'} shift ${e.shift ?? '?'}`;
  return `${e.kind} ${e.models.join(',') || 'no model files'} ${data}`;
}

export interface PruneOptions {
  /** Remove entries last used more than this many days ago. */
  olderThanDays?: number;
  /** Then remove least recently used entries until the cache holds at most this many bytes. */
  keepBytes?: number;
  /** Report what would be removed; remove nothing. */
  dryRun?: boolean;
  /** Clock, for tests. */
  now?: Date;
}

export interface PruneResult {
  removed: FeatureCacheEntry[];
  kept: FeatureCacheEntry[];
  freedBytes: number;
  keptBytes: number;
  dryRun: boolean;
}

/**
 * Remove whole entries: those last used more than `olderThanDays` ago, then the least recently
 * used until at most `keepBytes` remain. With neither option nothing is selected (only leftovers
 * of an interrupted prune are cleaned up).
 */
export async function pruneFeatureCache(root: string, opts: PruneOptions = {}): Promise<PruneResult> {
  for (const [name, v] of [['olderThanDays', opts.olderThanDays], ['keepBytes', opts.keepBytes]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a number ≥ 0, got ${v}`);
  }
  const listing = await listFeatureCache(root);
  const now = (opts.now ?? new Date()).getTime();
  const removed: FeatureCacheEntry[] = [];
  let kept = listing.entries; // most recently used first
  if (opts.olderThanDays !== undefined) {
    const cutoff = now - opts.olderThanDays * DAY_MS;
    removed.push(...kept.filter((e) => e.lastUsed.getTime() < cutoff));
    kept = kept.filter((e) => e.lastUsed.getTime() >= cutoff);
  }
  if (opts.keepBytes !== undefined) {
    let total = 0;
    let k = 0;
    while (k < kept.length && total + kept[k].bytes <= opts.keepBytes) total += kept[k++].bytes;
    removed.push(...kept.slice(k));
    kept = kept.slice(0, k);
  }
  const dryRun = opts.dryRun ?? false;
  if (!dryRun) {
    for (const e of removed) await removeEntry(root, e.id);
    for (const dir of listing.leftovers) await rm(dir, { recursive: true, force: true });
  }
  const sum = (es: FeatureCacheEntry[]) => es.reduce((s, e) => s + e.bytes, 0);
  return { removed, kept, freedBytes: sum(removed), keptBytes: sum(kept), dryRun };
}

/** Rename out of sight (atomic), then delete: never a half-deleted entry under its real name. */
async function removeEntry(root: string, id: string): Promise<void> {
  const hidden = join(root, `${PRUNING_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(join(root, id), hidden);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // already gone (another prune)
    throw e;
  }
  await rm(hidden, { recursive: true, force: true });
}
