import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { migrateResults } from '../../src/results/migrate.ts';
import { validateResults } from '../../src/results/validate.ts';
import { RESULTS_SCHEMA_VERSION } from '../../src/results/schema.ts';
import type { BenchResults } from '../../src/results/schema.ts';

const FIXTURE_V1 = new URL('../fixtures/reports/tiny-a.json', import.meta.url);

describe('results schema v4 (few-shot methods)', () => {
  it('v2 and v3 files gain methods [] on every dataset record (v4) and lift to the current version, and validate', async () => {
    const v1 = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    const v2 = migrateResults({ ...v1 }, 'x.json') as Record<string, unknown>;
    const withoutMethods = (v: Record<string, unknown>) => (v.datasets as Record<string, unknown>[]).map(({ methods: _m, ...d }) => d);
    expect(RESULTS_SCHEMA_VERSION).toBe(5);
    for (const version of [2, 3]) {
      const old = { ...v2, schemaVersion: version, datasets: withoutMethods(v2) };
      const r = migrateResults(old, `v${version}.json`) as BenchResults;
      expect(r.schemaVersion).toBe(5);
      expect(r.datasets.every((d) => Array.isArray(d.methods) && d.methods.length === 0)).toBe(true);
      expect(validateResults(r)).toEqual([]);
    }
  });

  it('a method record with per-seed hyperparameters and a curve validates; a bad selection does not', async () => {
    const r = migrateResults(JSON.parse(await readFile(FIXTURE_V1, 'utf8')), 'x.json') as BenchResults;
    const d = r.datasets[0];
    const m = d.zeroShot.metrics!;
    const e = { mean: 0.5, std: 0.1, ci: [0.4, 0.6] as [number, number] };
    d.methods = [
      {
        method: 'wise',
        breakEvenShots: 1.5,
        shots: [
          {
            shots: 2,
            perSeed: [{ seed: 0, trainCount: 20, valCount: 20, hyperparameters: { alpha: 0.3, C: 100 }, selection: 'validation', metrics: m, seconds: 0.1 }],
            top1: e,
            top5: null,
            balancedAccuracy: e,
            curve: { parameter: 'alpha', points: [{ value: 0, top1: 0.4, perSeed: [0.4] }] },
          },
        ],
      },
    ];
    expect(validateResults(r)).toEqual([]);
    (d.methods[0].shots[0].perSeed[0] as { selection: string }).selection = 'test';
    expect(validateResults(r).length).toBeGreaterThan(0);
  });
});
