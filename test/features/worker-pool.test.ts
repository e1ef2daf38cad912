import { describe, expect, it } from 'vitest';
import { PreprocessPool } from '../../src/features/worker-pool.ts';
import { extractionDefaults } from '../../src/features/extraction-defaults.ts';
import type { PreprocessConfig } from '../../src/model/preprocess/config.ts';
import { UserError } from '../../src/util/errors.ts';

const cfg: PreprocessConfig = {
  resizeMode: 'exact',
  size: 4,
  crop: { height: 4, width: 4 },
  resample: 'bicubic',
  rescale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};
const image = { data: new Uint8Array(4 * 4 * 3).fill(51), width: 4, height: 4, channels: 3 as const };

describe('preprocessing worker pool', () => {
  it('runs a job in a worker thread and returns the preprocessed pixels', async () => {
    const pool = new PreprocessPool(1);
    try {
      const out = await pool.run({ cfg, shift: 'none', datasetIdentity: 'test', split: 'test', images: [image], indices: [0] });
      expect(out.length).toBe(3 * 16);
      expect(out[0]).toBeCloseTo(51 / 255, 6);
    } finally {
      await pool.close();
    }
  });

  it('inlineUntilReady: jobs run on the main thread until the worker has started, then in the worker, with the same pixels', async () => {
    const pool = new PreprocessPool(1, { inlineUntilReady: true });
    const job = { cfg, shift: 'none', datasetIdentity: 'test', split: 'test', images: [image], indices: [0] };
    try {
      const first = await pool.run(job); // the worker is still loading its modules
      expect(pool.inlineJobs).toBe(1);
      const deadline = Date.now() + 20_000;
      let later: Float32Array;
      for (;;) {
        const before = pool.inlineJobs;
        later = await pool.run(job);
        if (pool.inlineJobs === before) break; // this one went to the worker
        if (Date.now() > deadline) throw new Error('the worker never reported it had started');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(Array.from(later)).toEqual(Array.from(first));
    } finally {
      await pool.close();
    }
  });

  it('extractionDefaults: all cores for onnxruntime without spinning; one worker from 2 cores (one more per 16), inline on 1', () => {
    expect(extractionDefaults(1)).toEqual({ threads: 1, workers: 0, batchSize: 32, spinning: false });
    expect(extractionDefaults(2)).toEqual({ threads: 2, workers: 1, batchSize: 32, spinning: false });
    expect(extractionDefaults(16)).toMatchObject({ threads: 16, workers: 1 });
    expect(extractionDefaults(64)).toMatchObject({ threads: 64, workers: 4 });
  });

  it('a UserError thrown in a worker arrives in the main thread as a UserError with its message and exit code', async () => {
    const pool = new PreprocessPool(1);
    try {
      const err = await pool.run({ cfg, shift: 'no-such-shift', datasetIdentity: 'test', split: 'test', images: [image], indices: [0] }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe('unknown shift id "no-such-shift"');
      expect(err.exitCode).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('any other error thrown in a worker stays a plain Error, keeping the worker stack for the bug report', async () => {
    const pool = new PreprocessPool(1);
    try {
      const broken = { ...cfg, crop: undefined } as unknown as PreprocessConfig;
      const err = await pool.run({ cfg: broken, shift: 'none', datasetIdentity: 'test', split: 'test', images: [image], indices: [0] }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(UserError);
      expect(err.stack).toMatch(/preprocess-batch\.ts/);
    } finally {
      await pool.close();
    }
  });

  it('a worker that exits while a job is pending rejects the job instead of hanging', async () => {
    const pool = new PreprocessPool(1);
    const job = pool.run({ cfg, shift: 'none', datasetIdentity: 'test', split: 'test', images: [image], indices: [0] });
    await (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0].terminate();
    await expect(job).rejects.toThrow(/^preprocessing worker exited with code \d+$/);
    await pool.close();
  });
});
