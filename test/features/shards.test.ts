import { describe, expect, it } from 'vitest';
import { formatRanges, parseShard, shardBounds, shardFromEnvironment, shardFromSlurmArray, shardsHolding, toRanges } from '../../src/features/shards.ts';

describe('shardBounds', () => {
  it('splits N rows into n contiguous, disjoint shares covering every row, sizes within one', () => {
    for (const [rows, count] of [[10_000, 3], [359, 4], [5, 8], [0, 2], [1438, 1]]) {
      const bounds = Array.from({ length: count }, (_, i) => shardBounds(rows, i, count));
      expect(bounds[0].start).toBe(0);
      expect(bounds.at(-1)!.end).toBe(rows);
      for (let i = 1; i < count; i++) expect(bounds[i].start).toBe(bounds[i - 1].end);
      const sizes = bounds.map((b) => b.end - b.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives shard 1 of 3 over 10,000 rows the rows 3333–6665', () => {
    expect(shardBounds(10_000, 1, 3)).toEqual({ start: 3333, end: 6666 });
  });
});

describe('parseShard', () => {
  it('reads index/count', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4, source: '--shard' });
  });

  it('rejects an index equal to the count, naming the valid shards', () => {
    expect(() => parseShard('3/3')).toThrow('--shard 3/3: shard indices count from 0, so 3 shards are 0/3 … 2/3');
  });

  it('rejects a count of 0', () => {
    expect(() => parseShard('0/0')).toThrow('--shard 0/0: the shard count must be at least 1, e.g. --shard 0/4');
  });

  it('rejects what is not index/count', () => {
    expect(() => parseShard('auto')).toThrow(/^--shard must be <index>\/<count>/);
  });
});

describe('shardFromEnvironment', () => {
  it('takes the index of a Kubernetes Indexed Job pod from JOB_COMPLETION_INDEX', () => {
    expect(shardFromEnvironment(4, { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4, source: 'JOB_COMPLETION_INDEX=3' });
  });

  it('takes an AWS Batch array index', () => {
    expect(shardFromEnvironment(2, { AWS_BATCH_JOB_ARRAY_INDEX: '1' }).index).toBe(1);
  });

  it('subtracts SLURM_ARRAY_TASK_MIN from SLURM_ARRAY_TASK_ID (arrays like --array=1-4)', () => {
    expect(shardFromEnvironment(4, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' }).index).toBe(3);
  });

  it('rejects an index outside the shard count', () => {
    expect(() => shardFromEnvironment(3, { JOB_COMPLETION_INDEX: '3' })).toThrow('JOB_COMPLETION_INDEX=3 with --shards 3: shard indices count from 0');
  });

  it('without any job-array variable says which it reads and how to give the index by hand', () => {
    expect(() => shardFromEnvironment(4, {})).toThrow(/none is set; outside a job array give it yourself, e.g. --shard 0\/4$/);
  });

  it('rejects job-array variables that disagree', () => {
    expect(() => shardFromEnvironment(4, { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '2' })).toThrow(/disagree/);
  });
});

describe('Slurm job arrays', () => {
  // What sbatch --array=0-3 sets in task 2 (sbatch(1), OUTPUT ENVIRONMENT VARIABLES; seen on slurm-wlm 22.05).
  const task2 = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '1' };

  it('inside an array with no --shards: one shard per task, the count from SLURM_ARRAY_TASK_COUNT', () => {
    expect(shardFromSlurmArray(task2)).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID=2' });
    expect(shardFromSlurmArray({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4, source: 'SLURM_ARRAY_TASK_ID=4 − SLURM_ARRAY_TASK_MIN=1' });
  });

  it('outside a Slurm array there is no shard from Slurm', () => {
    expect(shardFromSlurmArray({})).toBeNull();
  });

  it('SLURM_ARRAY_TASK_ID without SLURM_ARRAY_TASK_COUNT and no --shards asks for --shards', () => {
    expect(() => shardFromSlurmArray({ SLURM_ARRAY_TASK_ID: '2' })).toThrow('SLURM_ARRAY_TASK_ID=2 is set but SLURM_ARRAY_TASK_COUNT is not, so the number of shards is unknown; give it as --shards <the array\'s task count>');
  });

  it('rejects a task id outside its array', () => {
    expect(() => shardFromEnvironment(4, { ...task2, SLURM_ARRAY_TASK_ID: '5' })).toThrow('SLURM_ARRAY_TASK_ID=5 is outside its array (SLURM_ARRAY_TASK_MIN=0 … SLURM_ARRAY_TASK_MAX=3); submit the array as --array=0-3');
  });

  it('rejects --shards that disagrees with the array size: rows would be left out', () => {
    expect(() => shardFromEnvironment(2, task2)).toThrow(/^--shards 2 but this Slurm array has SLURM_ARRAY_TASK_COUNT=4 tasks: rows would be assigned to no task; give --shards 4/);
    expect(() => shardFromEnvironment(8, task2)).toThrow(/rows would be left out/);
  });

  it('rejects an array with gaps or a step: task ids would not be shard indices', () => {
    expect(() => shardFromSlurmArray({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '6', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow('the Slurm array is not one contiguous range (4 tasks from 0 to 6), so task ids are not shard indices; submit it as --array=0-3');
  });
});

describe('missing-row ranges', () => {
  it('merges consecutive positions and names the shards that hold them', () => {
    const ranges = toRanges([3, 4, 5, 9, 20, 21]);
    expect(formatRanges(ranges)).toBe('3–5, 9, 20–21');
    // 22 rows in 4 shards: 0–4, 5–10, 11–15, 16–21
    expect(shardsHolding(ranges, 22, 4)).toEqual([0, 1, 3]);
  });
});
