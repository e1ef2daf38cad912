import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { extractImageFeatures, type ImageEncoder } from '../../src/features/extract.ts';
import { PreprocessPool } from '../../src/features/worker-pool.ts';
import type { PreprocessConfig } from '../../src/model/preprocess/config.ts';
import { UserError } from '../../src/util/errors.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';

const cfg: PreprocessConfig = {
  resizeMode: 'exact',
  size: 8,
  crop: { height: 8, width: 8 },
  resample: 'bicubic',
  rescale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

/** Embedding = per-channel means of the preprocessed image, plus the first pixel. */
function fakeEncoder(opts: { failAfterCalls?: number } = {}): ImageEncoder & { calls: number; rows: number } {
  const enc = {
    calls: 0,
    rows: 0,
    files: [{ role: 'vision', sha256: 'a'.repeat(64) }],
    preprocess: cfg,
    async encodeImages(pixels: Float32Array, n: number) {
      enc.calls++;
      if (opts.failAfterCalls !== undefined && enc.calls > opts.failAfterCalls) throw new Error('killed');
      enc.rows += n;
      const per = 3 * 64;
      const out = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let p = 0; p < 64; p++) s += pixels[i * per + c * 64 + p];
          out[i * 4 + c] = s / 64;
        }
        out[i * 4 + 3] = pixels[i * per];
      }
      return out;
    },
  };
  return enc;
}

let cacheRoot: string;
beforeEach(() => {
  cacheRoot = mkdtempSync(join(tmpdir(), 'cb-feat-'));
});
afterEach(() => rmSync(cacheRoot, { recursive: true, force: true }));

describe('feature extraction', () => {
  it('encodes every requested row in index order, matching the image content', async () => {
    const ds = memoryDataset({ test: 50 });
    const r = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, batchSize: 8, workers: 0, quiet: true });
    expect(r.dim).toBe(4);
    expect(r.features.length).toBe(50 * 4);
    for (const i of [0, 17, 49]) expect(r.features[i * 4 + 3]).toBeCloseTo(ds.image('test', i).data[0] / 255, 6);
  });

  it('a second run reads the cache and encodes nothing', async () => {
    const ds = memoryDataset({ test: 40 });
    const first = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot, batchSize: 8, workers: 0, quiet: true });
    const enc = fakeEncoder();
    const second = await extractImageFeatures({ encoder: enc, dataset: ds, split: 'test', cacheRoot, batchSize: 8, workers: 0, quiet: true });
    expect(enc.calls).toBe(0);
    expect(second.cachedRows).toBe(40);
    expect(Array.from(second.features)).toEqual(Array.from(first.features));
  });

  it('resumes an interrupted extraction from its sealed chunks', async () => {
    const ds = memoryDataset({ test: 64 });
    await expect(
      extractImageFeatures({ encoder: fakeEncoder({ failAfterCalls: 5 }), dataset: ds, split: 'test', cacheRoot, batchSize: 8, chunkRows: 16, workers: 0, quiet: true }),
    ).rejects.toThrow('killed');
    const enc = fakeEncoder();
    const r = await extractImageFeatures({ encoder: enc, dataset: ds, split: 'test', cacheRoot, batchSize: 8, chunkRows: 16, workers: 0, quiet: true });
    // 5 batches of 8 ran; chunks of 16 rows sealed twice (32 rows) before the kill.
    expect(r.cachedRows).toBe(32);
    expect(enc.rows).toBe(32);
    const fresh = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, batchSize: 8, workers: 0, quiet: true });
    expect(Array.from(r.features)).toEqual(Array.from(fresh.features));
  });

  it('on a slow model seals chunks by time too, so a kill loses little', async () => {
    const ds = memoryDataset({ test: 64 });
    await expect(
      extractImageFeatures({ encoder: fakeEncoder({ failAfterCalls: 5 }), dataset: ds, split: 'test', cacheRoot, batchSize: 8, chunkRows: 1000, chunkMillis: 0, workers: 0, quiet: true }),
    ).rejects.toThrow('killed');
    const r = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot, batchSize: 8, workers: 0, quiet: true });
    expect(r.cachedRows).toBe(40);
  });

  it('detects a corrupt cache chunk, discards it and recomputes its rows', async () => {
    const ds = memoryDataset({ test: 32 });
    const first = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot, batchSize: 8, chunkRows: 16, workers: 0, quiet: true });
    const chunk = join(first.cacheDir!, readdirSync(first.cacheDir!).filter((n) => n.endsWith('.cbf')).sort()[0]);
    const bytes = readFileSync(chunk);
    bytes[40] ^= 0xff; // flip a bit inside the feature data
    writeFileSync(chunk, bytes);
    const logs: string[] = [];
    const enc = fakeEncoder();
    const r = await extractImageFeatures({ encoder: enc, dataset: ds, split: 'test', cacheRoot, batchSize: 8, chunkRows: 16, workers: 0, quiet: true, log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/corrupt chunk .*checksum mismatch/);
    expect(enc.rows).toBe(16);
    expect(Array.from(r.features)).toEqual(Array.from(first.features));
  });

  it('extracts only the requested sparse indices and fills the rest later', async () => {
    const ds = memoryDataset({ train: 100, test: 1 });
    const enc = fakeEncoder();
    const idx = Int32Array.from([3, 10, 57, 99]);
    const r = await extractImageFeatures({ encoder: enc, dataset: ds, split: 'train', indices: idx, cacheRoot, workers: 0, quiet: true });
    expect(enc.rows).toBe(4);
    expect(r.features[2 * 4 + 3]).toBeCloseTo(ds.image('train', 57).data[0] / 255, 6);
    const enc2 = fakeEncoder();
    const all = await extractImageFeatures({ encoder: enc2, dataset: ds, split: 'train', cacheRoot, workers: 0, quiet: true });
    expect(enc2.rows).toBe(96);
    expect(all.cachedRows).toBe(4);
  });

  it('a different shift, split or model never reuses cached rows', async () => {
    const ds = memoryDataset({ test: 16 });
    await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot, workers: 0, quiet: true });
    const other = fakeEncoder();
    other.files = [{ role: 'vision', sha256: 'b'.repeat(64) }];
    const r = await extractImageFeatures({ encoder: other, dataset: ds, split: 'test', cacheRoot, workers: 0, quiet: true });
    expect(r.cachedRows).toBe(0);
    const changed = memoryDataset({ test: 16, salt: 'v2' });
    const r2 = await extractImageFeatures({ encoder: fakeEncoder(), dataset: changed, split: 'test', cacheRoot, workers: 0, quiet: true });
    expect(r2.cachedRows).toBe(0);
  });

  it('worker-thread preprocessing gives the same features as inline, whatever the worker count and schedule', async () => {
    const ds = memoryDataset({ test: 24 });
    const inline = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, batchSize: 5, workers: 0, quiet: true });
    const pooled = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, batchSize: 5, workers: 2, quiet: true });
    expect(Array.from(pooled.features)).toEqual(Array.from(inline.features));
    // Started workers (not the warm start's inline batches), sharing each batch with the main thread.
    for (const [workers, nice] of [[1, 0], [2, 0]]) {
      const pool = new PreprocessPool(workers, { nice });
      await pool.ready();
      try {
        for (const schedule of ['overlap', 'phased'] as const) {
          const r = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, batchSize: 5, pool, schedule, quiet: true });
          expect(Array.from(r.features)).toEqual(Array.from(inline.features));
        }
        expect(pool.inlineJobs).toBe(0);
      } finally {
        await pool.close();
      }
    }
  });

  it('a UserError raised in a preprocessing worker stops extraction as a UserError, not a crash', async () => {
    const ds = memoryDataset({ test: 8 });
    const shift = { id: 'not-registered', label: 'not-registered', apply: (img: never) => img };
    const err = await extractImageFeatures({ encoder: fakeEncoder(), dataset: ds, split: 'test', cacheRoot: null, shift, workers: 1, quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('unknown shift id "not-registered"');
  });
});
