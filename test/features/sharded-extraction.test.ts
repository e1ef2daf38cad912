/**
 * deploy/k8s as a specification: the manifests' fields agree with each other and with the CLI, and their
 * commands, run as local processes with JOB_COMPLETION_INDEX set (as Kubernetes sets it in an Indexed Job),
 * give a feature cache that verifies and a bench equal to an unsharded --no-cache run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { main as features } from '../../src/cli/features.ts';
import { extract, verify } from '../../src/cli/features-shards.ts';
import { main as bench } from '../../src/cli/bench.ts';
import { BENCH_FLAGS } from '../../src/cli/bench-args.ts';
import { chunkSpan } from '../../src/features/store.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { PROJECT_ROOT, resolveDataDir } from '../../src/util/paths.ts';
import { runMain } from '../cli/capture.ts';
import { differingFeatureFiles, resultNumbers } from '../helpers/same-results.ts';

const K8S = join(PROJECT_ROOT, 'deploy', 'k8s');
const manifest = (file: string) => parse(readFileSync(join(K8S, file), 'utf8'));
const config = manifest('config.yaml');
const extractJob = manifest('extract-job.yaml');
const benchJob = manifest('bench-job.yaml');
const pvc = manifest('cache-pvc.yaml');
const extractPod = extractJob.spec.template.spec;
const extractArgs: string[] = extractPod.containers[0].args;
const verifyArgs: string[] = benchJob.spec.template.spec.initContainers[0].args;
const benchArgs: string[] = benchJob.spec.template.spec.containers[0].args;
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('deploy/k8s manifests', () => {
  it('run the extraction as an Indexed Job with one pod per shard', () => {
    expect(extractJob.kind).toBe('Job');
    expect(extractJob.spec.completionMode).toBe('Indexed');
    expect(extractJob.spec.parallelism).toBe(extractJob.spec.completions);
    expect(extractArgs.slice(0, 5)).toEqual(['npm', 'run', 'features', '--', 'extract']);
    // --shards n reads JOB_COMPLETION_INDEX, which Kubernetes sets in every pod of an Indexed Job.
    expect(Number(flagValue(extractArgs, '--shards'))).toBe(extractJob.spec.completions);
    expect(extractArgs).not.toContain('--shard');
  });

  it('verify with the same shard count, then bench with --require-cached, over the same cache', () => {
    expect(verifyArgs.slice(0, 5)).toEqual(['npm', 'run', 'features', '--', 'verify']);
    expect(Number(flagValue(verifyArgs, '--shards'))).toBe(extractJob.spec.completions);
    expect(benchArgs.slice(0, 4)).toEqual(['npm', 'run', 'bench', '--']);
    expect(benchArgs).toContain('--require-cached');
    for (const flag of ['--model', '--dataset', '--cache-dir', '--data-dir']) {
      expect(flagValue(verifyArgs, flag)).toBe(flagValue(extractArgs, flag));
      expect(flagValue(benchArgs, flag)).toBe(flagValue(extractArgs, flag));
    }
    expect(flagValue(verifyArgs, '--split')).toBe(flagValue(extractArgs, '--split'));
  });

  it('pass only flags the commands accept', () => {
    expect(() => parseFlags(extractArgs.slice(5), extract.flags, 'extract')).not.toThrow();
    expect(() => parseFlags(verifyArgs.slice(5), verify.flags, 'verify')).not.toThrow();
    expect(() => parseFlags(benchArgs.slice(4), BENCH_FLAGS, 'bench')).not.toThrow();
  });

  it('mount one ReadWriteMany volume that holds the cache, and read their settings from the ConfigMap', () => {
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    for (const pod of [extractPod, benchJob.spec.template.spec]) {
      expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.envFrom[0].configMapRef.name).toBe(config.metadata.name);
        expect(config.data.CACHE_DIR.startsWith(`${c.volumeMounts[0].mountPath}/`)).toBe(true);
      }
    }
    for (const ref of [...extractArgs, ...verifyArgs, ...benchArgs].flatMap((a) => [...a.matchAll(/\$\((\w+)\)/g)].map((m) => m[1]))) {
      expect(ref === 'POD_NAME' || ref in config.data, ref).toBe(true);
    }
  });
});

const haveDigits = existsSync(join(resolveDataDir(), 'digits'));

describe.skipIf(!haveDigits)('the manifests’ commands as local processes (digits, demo model)', () => {
  let tmp: string;
  const shards = extractJob.spec.completions as number;
  let env: Record<string, string>;
  /** Kubernetes expands $(NAME) in args from the container's environment. */
  const expand = (args: string[]) => args.map((a) => a.replace(/\$\((\w+)\)/g, (_, n: string) => env[n]));
  const outputs: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-k8s-'));
    // The ConfigMap, with the dataset and paths of this machine and one shot count to keep the test short.
    env = { ...config.data, DATASET: 'digits', SHOTS: '1', CACHE_DIR: join(tmp, 'cache'), DATA_DIR: resolveDataDir(), REPORTS_DIR: join(tmp, 'reports'), POD_NAME: 'bench-0' };
    const [cmd, ...args] = expand(extractArgs);
    const codes = await Promise.all(
      Array.from({ length: shards }, (_, i) =>
        new Promise<number>((done) => {
          const child = spawn(cmd, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env, JOB_COMPLETION_INDEX: String(i) }, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          child.on('close', (code) => {
            outputs[i] = out;
            done(code ?? -1);
          });
        }),
      ),
    );
    expect(codes, outputs.join('\n')).toEqual(Array(shards).fill(0));
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('each process encodes its own contiguous share and says which rows it took', () => {
    // digits: 359 test rows; shard i of n takes ⌊i·359/n⌋ … ⌊(i+1)·359/n⌋−1.
    for (let i = 0; i < shards; i++) {
      const first = Math.floor((i * 359) / shards);
      const last = Math.floor(((i + 1) * 359) / shards) - 1;
      expect(outputs[i]).toContain(`digits/test: shard ${i}/${shards} (JOB_COMPLETION_INDEX=${i}) takes rows ${first}–${last} of 359\n`);
      expect(outputs[i]).toMatch(new RegExp(`digits/test: ${last - first + 1} rows encoded, 0 already cached`));
    }
  });

  it('the final Job’s verify finds every row once with valid checksums', async () => {
    const r = await runMain(features, expand(verifyArgs).slice(4));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^digits\/test: 359 rows in .*\n {2}complete: every row present, every chunk sealed, dimension 2404$/m);
    expect(r.out).toMatch(/^digits\/train: 1438 rows in .*\n {2}complete/m);
  });

  it('verify names a cache entry that shards of another model variant wrote (exit 1)', async () => {
    const r = await runMain(features, [...expand(verifyArgs).slice(4), '--variant', 'fp16', '--split', 'test']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  missing 359 of 359 rows: 0–358; shards');
    expect(r.out).toMatch(/ {2}another entry holds 359 digits\/test rows whose key differs in model files vision:\w{12} \(this run: vision:\w{12}\): .* \(was a shard run with another --model, --variant, --data-dir or --source\?\)/);
  });

  it('bench over the sharded cache equals an unsharded --no-cache run: bit-identical features, identical numbers', async () => {
    const sharded = await runMain(bench, [...expand(benchArgs).slice(4), '--export-features', join(tmp, 'feats-sharded')]);
    expect(sharded.code, sharded.err).toBe(0);
    expect(sharded.err).toMatch(/digits\/test: 359 images \(359 cached, 0 encoded\)/);
    const plainArgs = expand(benchArgs).slice(4);
    plainArgs.splice(plainArgs.indexOf('--cache-dir'), 2, '--no-cache');
    plainArgs.splice(plainArgs.indexOf('--require-cached'), 1);
    plainArgs[plainArgs.indexOf('--out') + 1] = join(tmp, 'reports', 'plain');
    const plain = await runMain(bench, [...plainArgs, '--export-features', join(tmp, 'feats-plain')]);
    expect(plain.code, plain.err).toBe(0);

    const files = readdirSync(join(tmp, 'feats-plain', 'digits')).filter((f) => f.endsWith('.npy')).sort();
    expect(files).toContain('test_features.npy');
    expect(files).toContain('train_features.npy');
    expect(differingFeatureFiles(join(tmp, 'feats-sharded'), join(tmp, 'feats-plain'))).toEqual([]);

    // Everything but timings and cache bookkeeping: accuracies, intervals, chosen C, per-seed results.
    const a = resultNumbers(join(tmp, 'reports', 'bench-0'));
    expect(a).toContain('"top1"');
    expect(a).toBe(resultNumbers(join(tmp, 'reports', 'plain')));
  }, 120_000);

  it('with a shard missing, verify names its rows and shard (exit 1) and bench fails with exit 2, writing nothing', async () => {
    env = { ...env, CACHE_DIR: join(tmp, 'cache-missing'), POD_NAME: 'bench-1' };
    cpSync(join(tmp, 'cache'), env.CACHE_DIR, { recursive: true });
    // Shard 1's test rows: ⌊359/n⌋ … ⌊2·359/n⌋−1.
    const first = Math.floor(359 / shards);
    const last = Math.floor((2 * 359) / shards) - 1;
    // The test entry's chunks of those rows (one, or more when a slow machine sealed by time).
    const testEntry = readdirSync(env.CACHE_DIR).map((d) => join(env.CACHE_DIR, d)).find((d) => JSON.parse(readFileSync(join(d, 'key.json'), 'utf8')).split === 'test')!;
    const shardChunks = readdirSync(testEntry).filter((n) => (chunkSpan(n)?.first ?? -1) >= first && chunkSpan(n)!.last <= last);
    expect(shardChunks.length).toBeGreaterThan(0);
    for (const n of shardChunks) rmSync(join(testEntry, n));

    const v = await runMain(features, expand(verifyArgs).slice(4));
    expect(v.code).toBe(1);
    expect(v.out).toContain(`  missing ${last - first + 1} of 359 rows: ${first}–${last}; shard 1/${shards}\n`);

    const b = await runMain(bench, expand(benchArgs).slice(4));
    expect(b.code).toBe(2);
    expect(b.err.trim().split('\n').at(-1)).toMatch(new RegExp(`^error: --require-cached: digits test features: ${last - first + 1} of 359 rows are not in the feature cache .* \\(rows ${first}–${last}\\)`));
    expect(existsSync(join(tmp, 'reports', 'bench-1'))).toBe(false);
  }, 60_000);
});
