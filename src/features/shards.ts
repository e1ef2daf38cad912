/**
 * Sharded feature extraction: which contiguous share of a split's rows one process encodes, where
 * its index comes from (a flag, or a job array's environment), and how missing rows are named.
 *
 * "Rows" are positions 0…N-1 in the list of split indices a bench run needs (all of the split, or
 * the sorted seeded --limit subset). Shard i of n takes positions [⌊i·N/n⌋, ⌊(i+1)·N/n⌋): contiguous,
 * disjoint, covering, sizes differing by at most one (the same split as numpy.array_split).
 */
import { UserError } from '../util/errors.ts';

export interface Shard {
  index: number;
  count: number;
  /** Where the index came from: '--shard' or e.g. 'JOB_COMPLETION_INDEX=2'. */
  source: string;
}

/** An inclusive range of row positions. */
export interface RowRange {
  first: number;
  last: number;
}

/**
 * Job-array variables that carry a task's index, in the order they are consulted:
 * Kubernetes Indexed Jobs (batch/v1 completionMode: Indexed), AWS Batch array jobs, Slurm job arrays.
 */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

const INT = /^\d+$/;

/** `--shard i/n`: index from 0, 0 ≤ i < n. */
export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UserError(`--shard must be <index>/<count> with the index from 0, e.g. --shard 0/4, got ${JSON.stringify(value)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  checkShard(index, count, `--shard ${value.trim()}`);
  return { index, count, source: '--shard' };
}

/** `--shards <n>`: a count ≥ 1. */
export function parseShardCount(value: string, flag = '--shards'): number {
  const n = INT.test(value.trim()) ? Number(value) : NaN;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new UserError(`${flag} must be a number of shards ≥ 1, e.g. ${flag} 4, got ${JSON.stringify(value)}`);
  return n;
}

function checkShard(index: number, count: number, what: string): void {
  if (count < 1) throw new UserError(`${what}: the shard count must be at least 1, e.g. --shard 0/4`);
  if (index >= count) {
    const valid = count === 1 ? '0/1' : `0/${count} … ${count - 1}/${count}`;
    throw new UserError(`${what}: shard indices count from 0, so ${count} shard${count === 1 ? ' is' : 's are'} ${valid}`);
  }
}

/**
 * The shard index of this task from its job array's environment (`--shards n`). Slurm arrays may
 * start anywhere (`--array=1-4`), so SLURM_ARRAY_TASK_MIN is subtracted when set.
 */
export function shardFromEnvironment(count: number, env: NodeJS.ProcessEnv = process.env): Shard {
  const found: { name: string; index: number }[] = [];
  for (const name of SHARD_INDEX_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!INT.test(raw.trim())) throw new UserError(`${name}=${JSON.stringify(raw)} is not a shard index (a whole number from 0); unset it or give the shard as --shard <index>/${count}`);
    found.push(name === 'SLURM_ARRAY_TASK_ID' ? slurmTask(count, env) : { name: `${name}=${raw}`, index: Number(raw) });
  }
  if (found.length === 0) {
    throw new UserError(
      `--shards ${count} takes this task's index from ${SHARD_INDEX_VARIABLES.join(', ')} (Kubernetes Indexed Job, AWS Batch array, Slurm array), and none is set; outside a job array give it yourself, e.g. --shard 0/${count}`,
    );
  }
  if (new Set(found.map((f) => f.index)).size > 1) throw new UserError(`the job-array variables disagree (${found.map((f) => f.name).join(', ')}); unset all but one, or give --shard <index>/${count}`);
  const { name, index } = found[0];
  checkShard(index, count, `${name} with --shards ${count}`);
  return { index, count, source: name };
}

/**
 * Inside a Slurm array with neither --shard nor --shards: one shard per array task, the count from
 * SLURM_ARRAY_TASK_COUNT (set by Slurm since 17.11), so the array's size is the only number to change.
 * Null outside a Slurm array.
 */
export function shardFromSlurmArray(env: NodeJS.ProcessEnv = process.env): Shard | null {
  const id = env.SLURM_ARRAY_TASK_ID;
  if (id === undefined || id === '') return null;
  const raw = env.SLURM_ARRAY_TASK_COUNT;
  if (raw === undefined || raw === '') {
    throw new UserError(`SLURM_ARRAY_TASK_ID=${id} is set but SLURM_ARRAY_TASK_COUNT is not, so the number of shards is unknown; give it as --shards <the array's task count>`);
  }
  return shardFromEnvironment(parseShardCount(raw, 'SLURM_ARRAY_TASK_COUNT'), env);
}

/**
 * A Slurm array task's shard: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, checked against the array's
 * own range and size (sbatch(1), OUTPUT ENVIRONMENT VARIABLES). Shard i must be task MIN+i, so the
 * array must be one contiguous range (--array=0-3 or 1-4; a throttle like %2 is fine, a step is not).
 */
function slurmTask(count: number, env: NodeJS.ProcessEnv): { name: string; index: number } {
  const raw = env.SLURM_ARRAY_TASK_ID!;
  const id = Number(raw);
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return null;
    if (!INT.test(v.trim())) throw new UserError(`${name}=${JSON.stringify(v)} is not a whole number; give the shard as --shard <index>/${count}`);
    return Number(v);
  };
  const min = num('SLURM_ARRAY_TASK_MIN');
  const max = num('SLURM_ARRAY_TASK_MAX');
  const tasks = num('SLURM_ARRAY_TASK_COUNT');
  if ((min !== null && id < min) || (max !== null && id > max)) {
    throw new UserError(`SLURM_ARRAY_TASK_ID=${raw} is outside its array (SLURM_ARRAY_TASK_MIN=${min ?? '?'} … SLURM_ARRAY_TASK_MAX=${max ?? '?'}); submit the array as --array=0-${count - 1}`);
  }
  if (min !== null && max !== null && tasks !== null && max - min + 1 !== tasks) {
    throw new UserError(`the Slurm array is not one contiguous range (${tasks} tasks from ${min} to ${max}), so task ids are not shard indices; submit it as --array=0-${tasks - 1}`);
  }
  if (tasks !== null && tasks !== count) {
    throw new UserError(`--shards ${count} but this Slurm array has SLURM_ARRAY_TASK_COUNT=${tasks} tasks: rows would be ${tasks < count ? 'left out' : 'assigned to no task'}; give --shards ${tasks}, or drop --shards (inside a Slurm array the count is read from SLURM_ARRAY_TASK_COUNT)`);
  }
  return min ? { name: `SLURM_ARRAY_TASK_ID=${raw} − SLURM_ARRAY_TASK_MIN=${min}`, index: id - min } : { name: `SLURM_ARRAY_TASK_ID=${raw}`, index: id };
}

/** Positions [start, end) of shard `index` of `count` over `rows` rows. */
export function shardBounds(rows: number, index: number, count: number): { start: number; end: number } {
  return { start: Math.floor((index * rows) / count), end: Math.floor(((index + 1) * rows) / count) };
}

/** Sorted positions → maximal runs of consecutive positions. */
export function toRanges(positions: ArrayLike<number>): RowRange[] {
  const out: RowRange[] = [];
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    const last = out.at(-1);
    if (last && p === last.last + 1) last.last = p;
    else out.push({ first: p, last: p });
  }
  return out;
}

/** Shard indices (of `count` over `rows` rows) that hold any of `ranges`. */
export function shardsHolding(ranges: RowRange[], rows: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const { start, end } = shardBounds(rows, i, count);
    if (end > start && ranges.some((r) => r.first < end && r.last >= start)) out.push(i);
  }
  return out;
}

export const formatRange = (r: RowRange) => (r.first === r.last ? String(r.first) : `${r.first}–${r.last}`);

/** "3334–6666, 9000–9999" (at most `max` ranges, then "and k more"). */
export function formatRanges(ranges: RowRange[], max = 8): string {
  const shown = ranges.slice(0, max).map(formatRange).join(', ');
  return ranges.length > max ? `${shown} and ${ranges.length - max} more range${ranges.length - max === 1 ? '' : 's'}` : shown;
}
