import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, utimes, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describeKey, listFeatureCache, pruneFeatureCache } from '../../src/features/cache-admin.ts';
import { FeatureStore, range, type FeatureKey } from '../../src/features/store.ts';
import { UserError } from '../../src/util/errors.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-11-29T12:00:00Z');
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-cache-admin-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function imageKey(split: string, model = 'a'): FeatureKey {
  return { kind: 'image', modelFiles: [{ role: 'vision', sha256: model.repeat(64) }], preprocess: { size: 8 }, dataset: 'd'.repeat(64), split, shift: 'none' };
}

/** A cache entry with `rows` rows of dimension 4 in one chunk, last used `daysAgo` before NOW. */
async function entry(key: FeatureKey, rows: number, daysAgo: number, about = { dataset: 'cifar10' }): Promise<FeatureStore> {
  const store = new FeatureStore(root, key, about);
  await store.init();
  await store.append(range(rows), new Float32Array(rows * 4).fill(0.5), 4);
  const t = new Date(NOW.getTime() - daysAgo * DAY);
  await utimes(store.dir, t, t);
  return store;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
}

describe('listFeatureCache', () => {
  it('describes each entry: key summary, rows, bytes on disk and last use, most recent first', async () => {
    const test = await entry(imageKey('test'), 10, 2);
    const text = new FeatureStore(root, { kind: 'text', modelFiles: [{ role: 'text', sha256: 'b'.repeat(64) }], tokenizer: {}, texts: 'c'.repeat(64) });
    await text.init();
    await text.append(range(3), new Float32Array(12), 4);
    const listing = await listFeatureCache(root);
    expect(listing.entries.map((e) => e.dir)).toEqual([text.dir, test.dir]);
    const [t, img] = listing.entries;
    expect(img).toMatchObject({ kind: 'image', models: ['vision:aaaaaaaaaaaa'], dataset: 'cifar10', datasetId: 'dddddddddddd', split: 'test', shift: 'none', rows: 10, chunks: 1 });
    expect(img.bytes).toBe(dirBytes(test.dir));
    expect(img.lastUsed.getTime()).toBe(NOW.getTime() - 2 * DAY);
    expect(describeKey(img)).toBe('image vision:aaaaaaaaaaaa cifar10 dddddddddddd/test shift none');
    expect(describeKey(t)).toBe('text text:bbbbbbbbbbbb prompts cccccccccccc');
    expect(listing.totalBytes).toBe(dirBytes(test.dir) + dirBytes(text.dir));
  });

  it('a cache root that does not exist is an empty cache', async () => {
    expect(await listFeatureCache(join(root, 'nothing-here'))).toMatchObject({ entries: [], totalBytes: 0, leftovers: [] });
  });

  it('a cache path that is a file is a UserError naming it', async () => {
    const file = join(root, 'f');
    await writeFile(file, 'x');
    const err = await listFeatureCache(file).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`feature cache ${file} is a file, not a folder; give the cache folder (default .cache/features)`);
  });

  it('ignores files and folders that are not entries, and reports a missing key.json', async () => {
    const s = await entry(imageKey('test'), 2, 0);
    await rm(join(s.dir, 'key.json'));
    await writeFile(join(root, 'notes.txt'), 'x');
    await mkdir(join(root, 'not-an-entry'));
    const { entries } = await listFeatureCache(root);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'unknown', problem: 'key.json missing', rows: 2 });
    expect(describeKey(entries[0])).toBe('unknown key (key.json missing)');
  });

  it('loading an entry (a cache hit) marks it used now', async () => {
    const s = await entry(imageKey('test'), 2, 30);
    const before = Date.now();
    await s.load();
    const { entries } = await listFeatureCache(root);
    expect(entries[0].lastUsed.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('pruneFeatureCache', () => {
  it('olderThanDays removes whole entries last used before the cutoff and keeps the rest readable', async () => {
    const fresh = await entry(imageKey('test'), 4, 1);
    const old = await entry(imageKey('train'), 4, 40);
    const r = await pruneFeatureCache(root, { olderThanDays: 30, now: NOW });
    expect(r.removed.map((e) => e.dir)).toEqual([old.dir]);
    expect(r.freedBytes).toBeGreaterThan(0);
    expect(readdirSync(root)).toEqual([fresh.dir.slice(-32)]);
    expect((await new FeatureStore(root, imageKey('test')).load()).rows.size).toBe(4);
  });

  it('keepBytes removes least recently used entries until the rest fits', async () => {
    const a = await entry(imageKey('test', 'a'), 100, 1);
    const b = await entry(imageKey('test', 'b'), 100, 2);
    const c = await entry(imageKey('test', 'c'), 100, 3);
    const each = dirBytes(a.dir);
    const r = await pruneFeatureCache(root, { keepBytes: 2 * each + 10, now: NOW });
    expect(r.kept.map((e) => e.dir)).toEqual([a.dir, b.dir]);
    expect(r.removed.map((e) => e.dir)).toEqual([c.dir]);
    expect(r.keptBytes).toBe(dirBytes(a.dir) + dirBytes(b.dir));
    expect(readdirSync(root).sort()).toEqual([a.dir.slice(-32), b.dir.slice(-32)].sort());
  });

  it('dryRun reports what would go and removes nothing', async () => {
    await entry(imageKey('test'), 4, 40);
    const before = readdirSync(root);
    const r = await pruneFeatureCache(root, { olderThanDays: 30, dryRun: true, now: NOW });
    expect(r.removed).toHaveLength(1);
    expect(r.dryRun).toBe(true);
    expect(readdirSync(root)).toEqual(before);
  });

  it('without options removes no entry', async () => {
    await entry(imageKey('test'), 4, 400);
    const r = await pruneFeatureCache(root, { now: NOW });
    expect(r.removed).toEqual([]);
    expect(r.kept).toHaveLength(1);
  });

  it('a prune killed mid-delete leaves a hidden folder that is never read as an entry, and the next prune clears it', async () => {
    const s = await entry(imageKey('test'), 4, 0);
    // What removeEntry leaves if killed after its rename: the entry's files under a hidden name.
    const hidden = join(root, `.pruning-${s.dir.slice(-32)}-0000`);
    await mkdir(hidden);
    for (const n of readdirSync(s.dir)) await writeFile(join(hidden, n), 'partial');
    await rm(s.dir, { recursive: true });
    const listing = await listFeatureCache(root);
    expect(listing.entries).toEqual([]);
    expect(listing.leftovers).toEqual([hidden]);
    expect((await new FeatureStore(root, imageKey('test')).load()).rows.size).toBe(0);
    await pruneFeatureCache(root, { now: NOW });
    expect(readdirSync(root)).toEqual([]);
  });

  it('rejects a negative or non-numeric limit', async () => {
    await expect(pruneFeatureCache(root, { olderThanDays: -1 })).rejects.toThrow('olderThanDays must be a number ≥ 0, got -1');
    await expect(pruneFeatureCache(root, { keepBytes: Number.NaN })).rejects.toThrow('keepBytes must be a number ≥ 0, got NaN');
  });
});
