/** `npm run features -- list | prune | extract | verify`: the feature cache (src/features/). */
import { describeKey, listFeatureCache, pruneFeatureCache, type FeatureCacheEntry } from '../features/cache-admin.ts';
import { UserError } from '../util/errors.ts';
import { formatCount } from '../util/progress.ts';
import { CACHE_DIR, cacheDirOf, FEATURES_PROG, noPositionals } from './feature-flags.ts';
import { extract, verify } from './features-shards.ts';
import { defineCommand, defineGroup, formatTable, JSON_FLAG, plural, startCli, writeJson, type Flags, type Io } from './toolkit.ts';

const PROG = FEATURES_PROG;

const DECIMAL = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;

/** A byte count: an integer, or a number with KB/MB/GB/TB (powers of 1000, as sizes are printed). */
export function bytesFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])B?|B)?\s*$/i.exec(value);
  const n = m ? Number(m[1]) * DECIMAL[(m[2]?.toUpperCase() ?? '') as keyof typeof DECIMAL] : NaN;
  if (!Number.isFinite(n)) throw new UserError(`${flag} must be a size in bytes, e.g. 500MB, 2GB or 1000000, got ${JSON.stringify(value)}`);
  return Math.floor(n);
}

/** A number of days ≥ 0 (fractions allowed: 0.5 = twelve hours). */
export function daysFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new UserError(`${flag} must be a number of days ≥ 0, e.g. 30, got ${JSON.stringify(value)}`);
  return n;
}

function ago(d: Date, now: Date): string {
  const days = (now.getTime() - d.getTime()) / 86_400_000;
  if (days < 1 / 24) return 'just now';
  if (days < 1) return `${Math.round(days * 24)} h ago`;
  return `${plural(Math.floor(days), 'day')} ago`;
}

const entryJson = (e: FeatureCacheEntry) => ({ ...e, summary: describeKey(e), lastUsed: e.lastUsed.toISOString() });

function entryTable(entries: FeatureCacheEntry[], now: Date): string {
  return formatTable(
    ['id', 'what', 'rows', 'size', 'last used'],
    entries.map((e) => [e.id.slice(0, 12), describeKey(e), String(e.rows), formatCount(e.bytes, 'B'), ago(e.lastUsed, now)]),
  );
}

const list = defineCommand({
  name: 'list',
  summary: 'every cache entry: what it holds, rows, size, last use',
  usage: '[options]',
  description: `Lists the entries of the feature cache, most recently used first. Each entry holds the embeddings
of one model × dataset split × shift (image) or one prompt list (text); "what" shows its key: kind, model
file hashes (first 12 hex digits), dataset name and split identity, split and shift.`,
  flags: { ...CACHE_DIR, ...JSON_FLAG },
  examples: [`${PROG} list`, `${PROG} list --cache-dir /big/disk/features --json`],
  async run({ values, positionals, io }) {
    noPositionals(positionals, 'list');
    const listing = await listFeatureCache(cacheDirOf(values, false));
    if (values.json) return writeJson(io, { ...listing, entries: listing.entries.map(entryJson) });
    const now = new Date();
    io.stdout.write(`feature cache: ${listing.root}\n`);
    if (listing.entries.length > 0) io.stdout.write(entryTable(listing.entries, now));
    io.stdout.write(`${plural(listing.entries.length, 'entry', 'entries')}, ${formatCount(listing.totalBytes, 'B')}\n`);
    if (listing.leftovers.length) io.stdout.write(`${plural(listing.leftovers.length, 'folder')} left by an interrupted prune (not entries, never read; the next prune deletes them)\n`);
  },
});

const prune = defineCommand({
  name: 'prune',
  summary: 'remove entries by age and/or to fit a size',
  usage: '(--older-than-days <n> | --keep-bytes <size>) [options]',
  description: `Removes whole entries: first those last used more than --older-than-days ago, then the least recently
used until at most --keep-bytes remain. An entry is moved out of sight before its files are deleted, so an
interrupted prune never leaves a half-deleted entry that a run would read. A removed entry is recomputed
when a run needs it again. Do not prune while a bench run is using the same cache.`,
  flags: {
    ...CACHE_DIR,
    'older-than-days': { type: 'string', value: '<n>', help: 'remove entries last used more than n days ago' },
    'keep-bytes': { type: 'string', value: '<size>', help: 'then keep at most this much, most recently used first (e.g. 2GB)' },
    'dry-run': { type: 'boolean', help: 'list what would be removed; remove nothing' },
    ...JSON_FLAG,
  },
  examples: [`${PROG} prune --older-than-days 30`, `${PROG} prune --keep-bytes 2GB --dry-run`, `${PROG} prune --older-than-days 90 --keep-bytes 500MB`],
  async run({ values, positionals, io }) {
    noPositionals(positionals, 'prune');
    const olderThanDays = daysFlag(values['older-than-days'], '--older-than-days');
    const keepBytes = bytesFlag(values['keep-bytes'], '--keep-bytes');
    if (olderThanDays === undefined && keepBytes === undefined) {
      throw new UserError(`prune needs --older-than-days <n> or --keep-bytes <size> (or both), e.g. ${PROG} prune --older-than-days 30`);
    }
    const dryRun = values['dry-run'] === true;
    const root = cacheDirOf(values, !dryRun);
    const r = await pruneFeatureCache(root, { olderThanDays, keepBytes, dryRun });
    if (values.json) return writeJson(io, { root, ...r, removed: r.removed.map(entryJson), kept: r.kept.map(entryJson) });
    const now = new Date();
    if (r.removed.length > 0) io.stdout.write(entryTable(r.removed, now));
    const verb = dryRun ? 'would remove' : 'removed';
    io.stdout.write(
      `${verb} ${plural(r.removed.length, 'entry', 'entries')} (${formatCount(r.freedBytes, 'B')}); ` +
        `${plural(r.kept.length, 'entry', 'entries')} (${formatCount(r.keptBytes, 'B')}) kept in ${root}\n`,
    );
  },
});

export const features = defineGroup({
  prog: PROG,
  description: `The feature cache holds image and text embeddings computed by bench, keyed by everything that
determines them (model files, preprocessing, dataset content, split, shift). It only grows; list and
prune show it and prune it. extract fills it ahead of bench, in shards across processes or machines
(one share of the rows each, e.g. a Kubernetes Indexed Job: deploy/k8s/README.md); verify checks that
every row arrived.`,
  commands: [list, prune, extract, verify],
  examples: [
    `${PROG} list`,
    `${PROG} prune --older-than-days 30 --dry-run`,
    `${PROG} extract --dataset cifar10 --split test,train --shard 0/4 --cache-dir /shared/features`,
    `${PROG} verify --dataset cifar10 --split test,train --shards 4 --cache-dir /shared/features`,
  ],
});

export const main = (argv: string[], io?: Io) => features.main(argv, io);

startCli(import.meta.url, features.main);
