/**
 * deploy/slurm as a specification, without Slurm (deploy/slurm/e2e.sh runs them on a real cluster):
 * submit.sh's sbatch calls (a stand-in sbatch records them), and the two batch scripts run as Slurm
 * would run them, with the variables Slurm sets in an array task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT, resolveDataDir } from '../../src/util/paths.ts';

const SLURM = join(PROJECT_ROOT, 'deploy', 'slurm');
const NO_SLURM = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('SLURM_') || k.startsWith('CB_')).map((k) => [k, undefined]));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cb-slurm-scripts-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync('bash', [join(SLURM, script), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...NO_SLURM, ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('submit.sh', () => {
  it.each([
    [['--shards', '4', '--cache-dir', '/shared/f'], 'error: --dataset is required, e.g. --dataset cifar10'],
    [['--dataset', 'cifar10', '--shards', '4'], 'error: --cache-dir is required: a directory every node of the partition shares (NFS, Lustre, GPFS)'],
    [['--dataset', 'cifar10', '--shards', '0', '--cache-dir', '/shared/f'], "error: --shards must be a number of array tasks ≥ 1, e.g. --shards 4, got '0'"],
    [['--dataset', 'cifar10', '--shard', '4'], 'error: unknown option --shard (see: deploy/slurm/submit.sh --help)'],
  ])('%j: one error line, exit 2', (args, message) => {
    const r = run('submit.sh', args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message}\n`);
  });

  it('submits an n-task array, then the bench with afterok on it, passing the settings in the environment', () => {
    const bin = join(tmp, 'bin');
    const calls = join(tmp, 'sbatch-calls.txt');
    spawnSync('mkdir', ['-p', bin]);
    // A stand-in sbatch: records its arguments and the CB_* settings, answers with a job id as --parsable does.
    writeFileSync(join(bin, 'sbatch'), `#!/usr/bin/env bash\necho "$* | $(env | grep ^CB_ | sort | tr '\\n' ' ')" >> ${calls}\necho $((100 + $(wc -l < ${calls})))\n`);
    chmodSync(join(bin, 'sbatch'), 0o755);
    const r = run('submit.sh', ['--dataset', 'cifar10', '--shards', '8', '--cache-dir', join(tmp, 'cache'), '--limit', '500', '--logs', join(tmp, 'logs'), '--sbatch', '--partition=cpu'], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('101 102\n');
    const [array, bench] = readFileSync(calls, 'utf8').trim().split('\n');
    expect(array).toContain(`--array=0-7 --output=${join(tmp, 'logs')}/extract-%A_%a.out --partition=cpu ${SLURM}/extract.sbatch |`);
    expect(bench).toContain(`--dependency=afterok:101 --kill-on-invalid-dep=yes --output=${join(tmp, 'logs')}/bench-%j.out --partition=cpu ${SLURM}/bench.sbatch |`);
    for (const line of [array, bench]) {
      const call = `${line} `;
      expect(call).toContain(`CB_CACHE_DIR=${join(tmp, 'cache')} `);
      expect(call).toContain('CB_DATASET=cifar10 ');
      expect(call).toContain('CB_LIMIT=500 ');
      expect(call).toContain('CB_SHARDS=8 ');
      expect(call).toContain('CB_SPLITS=test,train ');
    }
  });
});

const haveMnist = existsSync(join(resolveDataDir(), 'mnist'));

describe.skipIf(!haveMnist)('extract.sbatch and bench.sbatch as array task and dependent job (mnist, demo model)', () => {
  const task = (id: number) => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '1' });
  const settings = () => ({ CB_DATASET: 'mnist', CB_SPLITS: 'test', CB_LIMIT: '8', CB_SHARDS: '4', CB_CACHE_DIR: join(tmp, 'features'), CB_SHOTS: '1' });

  it('an array task encodes the shard of its SLURM_ARRAY_TASK_ID, the count from SLURM_ARRAY_TASK_COUNT', () => {
    const r = run('extract.sbatch', [], { ...settings(), ...task(1) });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('mnist/test: shard 1/4 (SLURM_ARRAY_TASK_ID=1) takes rows 2–3 of 8');
    expect(r.out).toContain('mnist/test: 2 rows encoded, 0 already cached');
  });

  it('a task id outside its array is one error line, exit 2', () => {
    const r = run('extract.sbatch', [], { ...settings(), ...task(5) });
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual(['error: SLURM_ARRAY_TASK_ID=5 is outside its array (SLURM_ARRAY_TASK_MIN=0 … SLURM_ARRAY_TASK_MAX=3); submit the array as --array=0-3']);
  });

  it('the bench job over a cache that only some tasks could write to (not shared) names the missing shards: one error line, exit 2', () => {
    const r = run('bench.sbatch', [], { ...settings(), SLURM_JOB_ID: '7', CB_OUT: join(tmp, 'run') });
    expect(r.code).toBe(2);
    expect(r.out).toContain('  missing 6 of 8 rows: 0–1, 4–7; shards 0/4, 2/4, 3/4');
    const errors = r.err.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: the feature cache .* is incomplete for mnist\/test \(rows of shards 0\/4, 2\/4, 3\/4 missing\) \(details above\)$/);
    expect(r.err).toContain('bench.sbatch: every extract task succeeded, yet this node does not see their rows: is');
    expect(existsSync(join(tmp, 'run'))).toBe(false);
  });
});
