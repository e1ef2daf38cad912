import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';
import { testBenchOptions } from '../helpers/bench-options.ts';
import { openModel } from '../../src/model/resolve.ts';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { runBench } from '../../src/pipeline/bench.ts';
import { unpackArray } from '../../src/results/packed.ts';
import type { DatasetResult } from '../../src/results/schema.ts';
import { validateResults } from '../../src/results/validate.ts';

/** Accuracy of per-row predictions against the record's stored labels. */
function storedTop1(d: DatasetResult, predictions: ArrayLike<number>, stride = 1): number {
  const labels = unpackArray(d.outcomes!.labels, 'labels');
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i * stride] === labels[i]) ok++;
  return ok / labels.length;
}

describe('bench stores per-example outcomes on every test set (results schema v2)', () => {
  let tmp: string;
  let model: ClipModel;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-outcomes-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(join(tmp, 'model'), { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the stored predictions reproduce each record\'s own top-1, clean and shifted, for zero-shot and every probe seed', async () => {
    const ds = memoryDataset({ train: 60, test: 30, classes: ['a', 'b', 'c', 'd', 'e', 'f'], size: 32 });
    const r = await runBench(testBenchOptions({ datasets: [ds], shots: [2], seeds: [0, 1], limit: 20, shift: 'contrast:3' }), model);
    expect(validateResults(r)).toEqual([]);
    expect(r.datasets.map((d) => d.shift)).toEqual(['none', 'contrast:3']);
    for (const d of r.datasets) {
      const o = d.outcomes!;
      const idx = unpackArray(o.testIndices, 'idx');
      expect(idx.length).toBe(20);
      expect(Array.from(idx)).toEqual([...idx].sort((a, b) => a - b));
      expect(o.zeroShotTop5!.shape).toEqual([20, 5]);
      expect(storedTop1(d, unpackArray(o.zeroShotTop5!, 'top5'), 5)).toBeCloseTo(d.zeroShot.metrics!.top1, 12);
      const perSeed = d.probes[0].perSeed;
      expect(o.probes.map((p) => [p.shots, p.seed, p.C])).toEqual(perSeed.map((s) => [2, s.seed, s.C]));
      o.probes.forEach((p, i) => expect(storedTop1(d, unpackArray(p.predictions, 'p'))).toBeCloseTo(perSeed[i].metrics.top1, 12));
    }
    // Same rows, same labels on the corrupted copy.
    expect(r.datasets[1].outcomes!.testIndices).toEqual(r.datasets[0].outcomes!.testIndices);
  });
});
