import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { averageRanks, combineRuns, compareToBaseline, leaderboard } from '../../src/reports/combine.ts';
import { deltaOf } from '../../src/reports/delta.ts';
import { loadRuns, type LoadedRun } from '../../src/reports/load.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { datasetLabel } from '../../src/reports/select.ts';
import { readFixture, tempDir, TINY_A, TINY_B } from './helpers.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let runs: LoadedRun[];
beforeAll(async () => {
  dir = await tempDir();
  runs = await loadRuns([TINY_A, TINY_B]);
});
afterAll(async () => dir.cleanup());

const variant = (base: LoadedRun, file: string, edit: (r: BenchResults) => void): LoadedRun => {
  const results = structuredClone(base.results);
  edit(results);
  return { file, results };
};

describe('leaderboard', () => {
  it('gives each model its mean top-1 and mean rank over datasets (ties share ranks)', () => {
    const c = combineRuns(runs, false);
    expect(c.models).toEqual(['tiny-a', 'tiny-b']);
    const zs = leaderboard(c, 'zero-shot');
    expect(zs.map((r) => r.meanRank)).toEqual([1.5, 1.5]);
    expect(zs[0].meanTop1).toBeCloseTo((0.6667 + 0.8333) / 2, 6);
    const two = leaderboard(c, 2);
    expect(two.map((r) => r.meanRank)).toEqual([1, 2]);
    expect(two[1].perDataset.map((e) => e!.mean)).toEqual([0.8333, 0.8333]);
  });

  it('tabulates clean test sets only; shifted ones stay in the cells for the CSV', () => {
    const withShift = variant(runs[0], 'shifted.json', (r) => r.datasets.push({ ...structuredClone(r.datasets[0]), shift: 'fog:1' }));
    const c = combineRuns([withShift, runs[1]], false);
    expect(c.datasets).toEqual(['toy', 'toy2']);
    expect(c.cells.map((x) => datasetLabel(x.ds))).toContain('toy (fog:1)');
    expect(leaderboard(c, 'zero-shot')[0].perDataset).toHaveLength(2);
  });

  it('averageRanks ranks descending and averages ties, as pandas rank(method="average", ascending=False)', () => {
    expect(averageRanks([0.5, 0.9, 0.5, 0.1])).toEqual([2.5, 1, 2.5, 4]);
  });

  it('counts a model only over the datasets it has', () => {
    const onlyToy = variant(runs[1], 'b-toy.json', (r) => r.datasets.splice(1, 1));
    const rows = leaderboard(combineRuns([runs[0], onlyToy], false), 'zero-shot');
    expect(rows[1]).toMatchObject({ datasetsCovered: 1, meanRank: 2 });
    expect(rows[1].perDataset[1]).toBeNull();
  });
});

describe('comparison', () => {
  it('MOVER interval for a difference of two estimates', () => {
    const d = deltaOf({ mean: 0.6, std: 0, ci: [0.5, 0.7] }, { mean: 0.5, std: 0, ci: [0.4, 0.55] });
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.ci[0]).toBeCloseTo(0.1 - Math.hypot(0.1, 0.05), 12);
    expect(d.ci[1]).toBeCloseTo(0.1 + Math.hypot(0.1, 0.1), 12);
  });

  it('gives every other model minus the first, per dataset and method', () => {
    const rows = compareToBaseline(combineRuns(runs, false));
    expect(rows).toHaveLength(2 * 4);
    const toyZs = rows.find((r) => r.dataset === 'toy' && r.method === 'zero-shot')!;
    expect(toyZs.model).toBe('tiny-b');
    expect(toyZs.delta.mean).toBeCloseTo(0.5 - 0.6667, 6);
  });
});

describe('protocol checks', () => {
  it('refuses runs whose seeds and limit differ, naming the fields and the files', () => {
    const other = variant(runs[1], 'other.json', (r) => {
      r.protocol.seeds = [0, 1, 2];
      r.protocol.limit = 100;
    });
    expect(() => combineRuns([runs[0], other], false)).toThrow(/seeds, limit.*other\.json.*--allow-mixed/);
  });

  it('refuses runs whose dataset identity or templates differ', () => {
    const other = variant(runs[1], 'other.json', (r) => {
      r.datasets[0].provenance.checksum = 'f'.repeat(64);
      r.datasets[1].zeroShot.templates = ['{}'];
    });
    expect(() => combineRuns([runs[0], other], false)).toThrow(/toy: dataset checksum, toy2: templates/);
  });

  it('does not count threads, batch size or the shots requested as protocol', () => {
    const other = variant(runs[1], 'other.json', (r) => {
      r.protocol.threads = 16;
      r.protocol.batchSize = 1;
      r.protocol.shots = [1, 2];
    });
    expect(combineRuns([runs[0], other], false).differences).toEqual([]);
  });

  it('counts the device as protocol, a record from before --device as cpu', () => {
    const before = variant(runs[1], 'before.json', (r) => {
      delete r.protocol.device;
    });
    const cpu = variant(runs[0], 'cpu.json', (r) => {
      r.protocol.device = 'cpu';
    });
    const cuda = variant(runs[1], 'cuda.json', (r) => {
      r.protocol.device = 'cuda';
    });
    expect(combineRuns([cpu, before], false).differences).toEqual([]);
    expect(() => combineRuns([cpu, cuda], false)).toThrow(/device.*cuda\.json/);
  });

  it('with --allow-mixed, marks the cells of the differing run only', () => {
    const other = variant(runs[1], 'other.json', (r) => {
      r.protocol.seeds = [5, 6];
      r.datasets[1].provenance.checksum = 'f'.repeat(64);
    });
    const c = combineRuns([runs[0], other], true);
    expect(c.cells.map((x) => [x.model, x.ds.name, x.mixed])).toEqual([
      ['tiny-a', 'toy', []],
      ['tiny-a', 'toy2', []],
      ['tiny-b', 'toy', ['seeds']],
      ['tiny-b', 'toy2', ['seeds', 'toy2: dataset checksum']],
    ]);
  });

  it('refuses two runs of the same model on the same dataset', () => {
    expect(() => combineRuns([runs[0], { ...runs[0], file: 'again.json' }], false)).toThrow(/again\.json and .*tiny-a\.json both hold tiny-a on toy/);
  });

  it('tells apart two different models with the same name by their file hashes', () => {
    const renamed = variant(runs[1], 'renamed.json', (r) => (r.model.name = 'tiny-a'));
    expect(combineRuns([runs[0], renamed], false).models).toEqual(['tiny-a@aaaaaaaaaaaa+eeeeeeeeeeee', 'tiny-a@bbbbbbbbbbbb+eeeeeeeeeeee']);
  });
});

describe('loading', () => {
  const bad = async (name: string, text: string) => {
    const f = join(dir.path, name);
    await writeFile(f, text);
    return f;
  };

  it('names the file of a truncated results.json', async () => {
    const text = JSON.stringify(await readFixture(TINY_A));
    const f = await bad('truncated.json', text.slice(0, text.length / 2));
    await expect(loadRuns([f])).rejects.toThrow(new RegExp(`^${f}: not valid JSON`));
  });

  it('refuses a newer schemaVersion and an unknown older one', async () => {
    const r = await readFixture(TINY_A);
    const newer = await bad('newer.json', JSON.stringify({ ...r, schemaVersion: 99 }));
    await expect(loadRuns([newer])).rejects.toThrow(/newer.json: schemaVersion 99 is newer than this clip-bench reads \(5\)/);
    const older = await bad('older.json', JSON.stringify({ ...r, schemaVersion: 0 }));
    await expect(loadRuns([older])).rejects.toThrow(/older.json: unknown schemaVersion 0/);
  });

  it('refuses a record that breaks the schema, quoting the problem', async () => {
    const r = await readFixture(TINY_A);
    r.datasets[0].probes[0].top1.mean = 1.5;
    const f = await bad('invalid.json', JSON.stringify(r));
    await expect(loadRuns([f])).rejects.toThrow(/invalid.json does not match the results schema: \/datasets\/0\/probes\/0\/top1\/mean must be <= 1/);
  });

  it('refuses JSON that is not a results file', async () => {
    const f = await bad('other.json', '{"name": "package"}');
    await expect(loadRuns([f])).rejects.toThrow(/other.json does not match the results schema: \(root\) must have required property 'schema'/);
  });

  it('refuses a results file without an integer schemaVersion', async () => {
    const f = await bad('no-version.json', JSON.stringify({ ...(await readFixture(TINY_A)), schemaVersion: '1' }));
    await expect(loadRuns([f])).rejects.toThrow(/no-version.json: "schemaVersion" is missing or not an integer/);
  });

  it('finds results.json in a run directory and in a directory of runs, and refuses a directory with none', async () => {
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(join(dir.path, 'runs', 'r1'), { recursive: true });
    await mkdir(join(dir.path, 'runs', 'r2'), { recursive: true });
    await copyFile(TINY_A, join(dir.path, 'runs', 'r1', 'results.json'));
    await copyFile(TINY_B, join(dir.path, 'runs', 'r2', 'results.json'));
    expect((await loadRuns([join(dir.path, 'runs', 'r1')])).map((r) => r.results.model.name)).toEqual(['tiny-a']);
    expect((await loadRuns([join(dir.path, 'runs')])).map((r) => r.results.model.name)).toEqual(['tiny-a', 'tiny-b']);
    await mkdir(join(dir.path, 'empty'));
    await expect(loadRuns([join(dir.path, 'empty')])).rejects.toThrow(/empty: no results.json in this directory/);
  });
});
