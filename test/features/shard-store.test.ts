import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureStore, range, type FeatureKey } from '../../src/features/store.ts';
import { checkEntry, relatedEntries } from '../../src/features/verify.ts';
import { extractImageFeatures, type ImageEncoder } from '../../src/features/extract.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';

const DIM = 3;
const key = (sha = 'a', dataset = 'd'): FeatureKey => ({ kind: 'image', modelFiles: [{ role: 'vision', sha256: sha.repeat(64) }], preprocess: { size: 224 }, dataset: dataset.repeat(64), split: 'test', shift: 'none' });
/** Row i's features: [i, i+0.5, -i]. */
const rows = (first: number, n: number) => {
  const data = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) data.set([first + r, first + r + 0.5, -(first + r)], r * DIM);
  return { indices: Int32Array.from({ length: n }, (_, r) => first + r), data };
};

/** The chunk file whose rows start at `first` (names end in the chunk's seal). */
const chunkFrom = (dir: string, first: number) => join(dir, readdirSync(dir).find((n) => n.startsWith(`chunk-${String(first).padStart(9, '0')}-`))!);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-shard-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Three shards of 30 rows written into one entry at once, as three pods would. */
async function threeShards(k = key()): Promise<FeatureStore> {
  const stores = [0, 1, 2].map(() => new FeatureStore(root, k, { dataset: 'digits' }));
  await Promise.all(
    stores.map(async (s, i) => {
      await s.init();
      const { indices, data } = rows(i * 10, 10);
      await s.append(indices, data, DIM);
    }),
  );
  return stores[0];
}

describe('a cache entry written by concurrent shards', () => {
  it('holds one chunk per shard and reads back every row', async () => {
    const store = await threeShards();
    const names = readdirSync(store.dir).sort();
    expect(names.map((n) => n.replace(/-[0-9a-f]{16}\.cbf$/, '-<seal>.cbf'))).toEqual(['about.json', 'chunk-000000000-000000009-10-<seal>.cbf', 'chunk-000000010-000000019-10-<seal>.cbf', 'chunk-000000020-000000029-10-<seal>.cbf', 'key.json']);
    const loaded = await store.load();
    expect(loaded.rows.size).toBe(30);
  });

  it('a shard reads only the chunks that meet its own rows', async () => {
    const store = await threeShards();
    const loaded = await store.load({ first: 12, last: 15 });
    expect([...loaded.rows.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });
});

describe('checkEntry (features verify)', () => {
  it('finds a complete entry complete', async () => {
    const c = await checkEntry(await threeShards(), range(30));
    expect(c).toMatchObject({ present: 30, missingRows: 0, corrupt: [], dim: DIM, duplicates: { identical: 0, differing: 0 } });
  });

  it('names the rows of a missing shard', async () => {
    const store = await threeShards();
    rmSync(chunkFrom(store.dir, 10));
    const c = await checkEntry(store, range(30));
    expect(c.missing).toEqual([{ first: 10, last: 19 }]);
    expect(c.missingRows).toBe(10);
  });

  it('numbers rows by position in the needed indices (a --limit subset)', async () => {
    const store = await threeShards();
    rmSync(chunkFrom(store.dir, 20));
    const c = await checkEntry(store, Int32Array.from([1, 5, 12, 21, 25]));
    expect(c.missing).toEqual([{ first: 3, last: 4 }]);
  });

  it('reports a chunk that fails its seal, counts its rows missing and leaves the file alone', async () => {
    const store = await threeShards();
    const path = chunkFrom(store.dir, 0);
    const bytes = readFileSync(path);
    bytes[20] ^= 1;
    writeFileSync(path, bytes);
    const c = await checkEntry(store, range(30));
    expect(c.corrupt).toEqual([`${path}: checksum mismatch`]);
    expect(c.missing).toEqual([{ first: 0, last: 9 }]);
    expect(existsSync(path)).toBe(true);
  });

  it('tells rows stored twice with the same bits from copies that differ', async () => {
    const store = await threeShards();
    const same = rows(5, 10); // rows 5–14 again, as a retried shard with other chunk boundaries would
    await store.append(same.indices, same.data, DIM);
    const other = rows(28, 2);
    other.data[0] += 1e-6; // row 28 differs, row 29 is the same
    await store.append(other.indices, other.data, DIM);
    const c = await checkEntry(store, range(30));
    expect(c.duplicates).toEqual({ identical: 11, differing: 1 });
  });
});

describe('relatedEntries', () => {
  it('names an entry of the same dataset split written under another model', async () => {
    await threeShards(key('b'));
    const mine = new FeatureStore(root, key('a'), { dataset: 'digits' });
    const related = await relatedEntries(root, key('a'), 'digits', mine.dir);
    expect(related).toHaveLength(1);
    expect(related[0].rows).toBe(30);
    expect(related[0].differs).toEqual([`model files vision:${'b'.repeat(12)} (this run: vision:${'a'.repeat(12)})`]);
  });

  it('names an entry of the same dataset name with other content', async () => {
    await threeShards(key('a', 'e'));
    const mine = new FeatureStore(root, key('a', 'd'), { dataset: 'digits' });
    const related = await relatedEntries(root, key('a', 'd'), 'digits', mine.dir);
    expect(related.map((r) => r.differs)).toEqual([[`dataset content ${'e'.repeat(12)} (this run: ${'d'.repeat(12)})`]]);
  });
});

describe('extractImageFeatures with requireCached', () => {
  const encoder: ImageEncoder = { files: [{ role: 'vision', sha256: 'c'.repeat(64) }], preprocess: { ...CLIP_224, size: 8, crop: { height: 8, width: 8 } }, encodeImages: async (_p, n) => new Float32Array(n * 2) };

  it('encodes nothing and names the missing rows by position', async () => {
    const ds = memoryDataset({ test: 20 });
    await extractImageFeatures({ encoder, dataset: ds, split: 'test', indices: range(10), cacheRoot: root, workers: 0, quiet: true });
    const calls: number[] = [];
    const counting = { ...encoder, encodeImages: async (p: Float32Array, n: number) => (calls.push(n), new Float32Array(n * 2)) };
    await expect(
      extractImageFeatures({ encoder: counting, dataset: ds, split: 'test', indices: Int32Array.from([0, 2, 4, 12, 14, 16]), cacheRoot: root, workers: 0, quiet: true, requireCached: true, label: 'memory test features' }),
    ).rejects.toThrow(/^--require-cached: memory test features: 3 of 6 rows are not in the feature cache .* \(rows 3–5\); encode them with npm run features -- extract/);
    expect(calls).toEqual([]);
  });
});
