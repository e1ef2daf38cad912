import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/features.ts';
import { runMain } from '../cli/capture.ts';

let tmp: string;
let cache: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cb-extract-cli-'));
  cache = join(tmp, 'cache');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const noJobArray = { JOB_COMPLETION_INDEX: undefined, AWS_BATCH_JOB_ARRAY_INDEX: undefined, SLURM_ARRAY_TASK_ID: undefined, SLURM_ARRAY_TASK_MIN: undefined, SLURM_ARRAY_TASK_MAX: undefined, SLURM_ARRAY_TASK_COUNT: undefined };

async function extract(args: string[], env: Record<string, string | undefined> = {}) {
  const saved = Object.fromEntries(Object.keys({ ...noJobArray, ...env }).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries({ ...noJobArray, ...env })) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await runMain(main, ['extract', '--dataset', 'mnist', '--cache-dir', cache, ...args]);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('npm run features -- extract: bad input is one error line, exit 2, nothing written', () => {
  it.each([
    [['--split', 'test', '--shard', '3/3'], 'error: --shard 3/3: shard indices count from 0, so 3 shards are 0/3 … 2/3'],
    [['--split', 'test', '--shard', '0/0'], 'error: --shard 0/0: the shard count must be at least 1, e.g. --shard 0/4'],
    [['--split', 'test', '--shard', '0/2', '--shards', '2'], 'error: give --shard <index>/<count> or --shards <count> (index from JOB_COMPLETION_INDEX …), not both'],
    [['--split', 'train', '--limit', '10'], "error: --limit subsets the test split only (bench's probes draw from all train rows); drop --limit or add --split test"],
    [['--split', 'validation'], 'error: --split must be test, train or test,train, got "validation"'],
  ])('%j', async (args, message) => {
    const r = await extract(args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message}\n`);
    expect(existsSync(cache)).toBe(false);
  });

  it('--shards without a job-array variable says how to give the index', async () => {
    const r = await extract(['--split', 'test', '--shards', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --shards 3 takes this task's index from JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID .* e\.g\. --shard 0\/3\n$/);
  });

  it('an index from the environment outside --shards is refused', async () => {
    const r = await extract(['--split', 'test', '--shards', '3'], { JOB_COMPLETION_INDEX: '3' });
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: JOB_COMPLETION_INDEX=3 with --shards 3: shard indices count from 0, so 3 shards are 0/3 … 2/3\n');
    expect(existsSync(cache)).toBe(false);
  });
});

describe('npm run features -- extract in a Slurm array task: bad input is one error line, exit 2, nothing written', () => {
  const task = (id: string, count?: string) => ({ SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: count });
  it.each([
    [[], task('7', '4'), 'error: SLURM_ARRAY_TASK_ID=7 is outside its array (SLURM_ARRAY_TASK_MIN=0 … SLURM_ARRAY_TASK_MAX=3); submit the array as --array=0-3'],
    [[], { SLURM_ARRAY_TASK_ID: '1' }, "error: SLURM_ARRAY_TASK_ID=1 is set but SLURM_ARRAY_TASK_COUNT is not, so the number of shards is unknown; give it as --shards <the array's task count>"],
    [['--shards', '3'], task('1', '4'), 'error: --shards 3 but this Slurm array has SLURM_ARRAY_TASK_COUNT=4 tasks: rows would be assigned to no task; give --shards 4, or drop --shards (inside a Slurm array the count is read from SLURM_ARRAY_TASK_COUNT)'],
  ])('%j %j', async (args, env, message) => {
    const r = await extract(['--split', 'test', ...args], env);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message}\n`);
    expect(existsSync(cache)).toBe(false);
  });

  it('with no --shards, task 2 of a 4-task array encodes shard 2/4', async () => {
    const r = await extract(['--split', 'test', '--limit', '8', '--threads', '1'], task('2', '4'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('mnist/test: shard 2/4 (SLURM_ARRAY_TASK_ID=2) takes rows 4–5 of 8');
    expect(r.out).toContain('mnist/test: 2 rows encoded, 0 already cached');
  });
});

describe('npm run features -- verify --device', () => {
  it('names the entry the extraction device wrote: CPU rows do not satisfy a cuda verify', async () => {
    const made = await extract(['--split', 'test', '--limit', '12', '--threads', '1']);
    expect(made.code).toBe(0);
    const verify = (device: string[]) => runMain(main, ['verify', '--dataset', 'mnist', '--split', 'test', '--limit', '12', '--cache-dir', cache, ...device]);
    expect((await verify([])).code).toBe(0);
    expect((await verify(['--device', 'cpu'])).code).toBe(0);
    const cuda = await verify(['--device', 'cuda']);
    expect(cuda.code).toBe(1);
    expect(cuda.out).toMatch(/missing/i);
  });
});
