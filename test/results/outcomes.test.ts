import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classDtype, packArray, unpackArray } from '../../src/results/packed.ts';
import { readResults } from '../../src/results/read.ts';
import { RESULTS_SCHEMA_VERSION } from '../../src/results/schema.ts';
import { outcomesRecord } from '../../src/pipeline/record.ts';
import { topKClasses, topKOverlap } from '../../src/evaluation/top-k.ts';
import { predictionsFromScores, topKAccuracy } from '../../src/evaluation/metrics.ts';
import { validateResults } from '../../src/results/validate.ts';
import { Rng } from '../../src/util/rng.ts';
import { UserError } from '../../src/util/errors.ts';

const FIXTURE_V1 = new URL('../fixtures/reports/tiny-a.json', import.meta.url);

describe('packed per-example arrays', () => {
  it('round-trips uint8, uint16 and int32 values with their shape', () => {
    for (const [dtype, values] of [['uint8', [0, 7, 255]], ['uint16', [0, 300, 65535]], ['int32', [-5, 0, 2 ** 31 - 1]]] as const) {
      const p = packArray(values, dtype);
      expect(p.shape).toEqual([3]);
      expect(Array.from(unpackArray(p, 'x'))).toEqual(values);
    }
    const m = packArray([1, 2, 3, 4, 5, 6], 'uint8', [2, 3]);
    expect(m.shape).toEqual([2, 3]);
  });

  it('uses uint8 for class indices up to 256 classes and uint16 above', () => {
    expect(classDtype(256)).toBe('uint8');
    expect(classDtype(257)).toBe('uint16');
  });

  it('refuses a value that does not fit the dtype', () => {
    expect(() => packArray([256], 'uint8')).toThrow(/does not fit uint8/);
  });

  it('a blob whose bytes changed is refused by checksum, naming where it is', () => {
    const p = packArray(Int32Array.from({ length: 1000 }, (_, i) => i * 3), 'int32');
    const other = packArray(Int32Array.from({ length: 1000 }, (_, i) => i * 3 + 1), 'int32');
    const e = (() => {
      try {
        unpackArray({ ...p, data: other.data }, 'run/results.json: cifar10 outcomes.testIndices');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toBe('run/results.json: cifar10 outcomes.testIndices is corrupt (SHA-256 mismatch); rerun the bench that wrote it');
  });

  it('a truncated blob is refused as corrupt, not read short', () => {
    const p = packArray(new Rng(1).permutation(5000), 'int32');
    expect(() => unpackArray({ ...p, data: p.data.slice(0, p.data.length >> 1) }, 'f.json: labels')).toThrow(/^f\.json: labels is corrupt \(/);
  });
});

describe('zero-shot top-5 per row', () => {
  it('column 0 is the arg-max prediction and the ranking agrees with top-5 accuracy (ties to the lower class)', () => {
    const rng = new Rng(7);
    const K = 12;
    const n = 300;
    // Coarse scores so ties occur.
    const scores = Float32Array.from({ length: n * K }, () => rng.int(6));
    const labels = Int32Array.from({ length: n }, () => rng.int(K));
    const { classes, width } = topKClasses(scores, K, 5);
    expect(width).toBe(5);
    const pred = predictionsFromScores(scores, K);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      expect(classes[i * 5]).toBe(pred[i]);
      const row = Array.from(classes.subarray(i * 5, i * 5 + 5));
      for (let j = 1; j < 5; j++) {
        const [a, b] = [scores[i * K + row[j - 1]], scores[i * K + row[j]]];
        expect(a > b || (a === b && row[j - 1] < row[j])).toBe(true);
      }
      if (row.includes(labels[i])) hits++;
    }
    expect(hits / n).toBeCloseTo(topKAccuracy(scores, labels, K, 5), 12);
  });

  it('overlap is the mean shared fraction of the two shortlists', () => {
    expect(topKOverlap([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [4, 3, 2, 1, 0, 9, 8, 7, 0, 1], 5)).toBeCloseTo((5 + 3) / 10, 12);
  });
});

describe('results schema v2', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cb-outcomes-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('a v1 file migrates on read: every dataset record gains outcomes null', async () => {
    const raw = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    expect(raw.schemaVersion).toBe(1);
    const r = await readResults(FIXTURE_V1.pathname);
    expect(r.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(r.datasets.length).toBeGreaterThan(0);
    expect(r.datasets.every((d) => d.outcomes === null)).toBe(true);
  });

  it('a v2 record with outcomes validates, and one with a malformed blob does not', async () => {
    const r = await readResults(FIXTURE_V1.pathname);
    const d = r.datasets[0];
    const n = d.zeroShot.metrics!.n;
    const K = d.classes.length;
    const outcomes = outcomesRecord({
      testIdx: Int32Array.from({ length: n }, (_, i) => i),
      labels: Int32Array.from({ length: n }, (_, i) => i % K),
      numClasses: K,
      zeroShotScores: Float32Array.from({ length: n * K }, (_, i) => (i * 7) % 11),
      probes: new Map([[1, [{ seed: 0, C: 0.5, predictions: Int32Array.from({ length: n }, () => 0) }]]]),
    });
    const good = { ...r, datasets: [{ ...d, outcomes }, ...r.datasets.slice(1)] };
    expect(validateResults(good)).toEqual([]);
    expect(outcomes.zeroShotTop5!.shape).toEqual([n, Math.min(5, K)]);
    const bad = { ...r, datasets: [{ ...d, outcomes: { ...outcomes, labels: { ...outcomes.labels, sha256: 'xyz' } } }] };
    expect(validateResults(bad).join('\n')).toMatch(/outcomes\/labels\/sha256 must match pattern/);
    await writeFile(join(tmp, 'v2.json'), JSON.stringify(good));
    expect((await readResults(join(tmp, 'v2.json'))).datasets[0].outcomes).toEqual(outcomes);
  });
});
