/**
 * Two bench runs on the same dataset and feature cache at the same time, as two jobs on a cluster sharing
 * one cache directory: both encode the same missing rows and seal them into the same entries with no lock.
 * Nothing may be corrupt or lost, and both must give the numbers of an unsharded --no-cache run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT, resolveDataDir } from '../../src/util/paths.ts';
import { main as features } from '../../src/cli/features.ts';
import { runMain } from '../cli/capture.ts';
import { differingFeatureFiles, resultNumbers } from '../helpers/same-results.ts';

const haveMnist = existsSync(join(resolveDataDir(), 'mnist'));
const ARGS = ['--dataset', 'mnist', '--limit', '60', '--shots', '1,2', '--seeds', '1', '--bootstrap', '50', '--threads', '1'];

function bench(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'src', 'cli', 'bench.ts'), ...ARGS, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => done({ code, out }));
  });
}

describe.skipIf(!haveMnist)('two bench runs on one cache directory at the same time (mnist, demo model)', () => {
  let tmp: string;
  const cache = () => join(tmp, 'cache');
  let runs: { code: number | null; out: string }[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-concurrent-'));
    runs = await Promise.all(['a', 'b'].map((r) => bench(['--cache-dir', cache(), '--out', join(tmp, r), '--export-features', join(tmp, `features-${r}`)])));
    runs.push(await bench(['--no-cache', '--out', join(tmp, 'plain'), '--export-features', join(tmp, 'features-plain')]));
  }, 180_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('both succeed; each accounts for all 60 test rows (encoded or read from the other), and at least one encoded them', () => {
    for (const r of runs) expect(r.code, r.out).toBe(0);
    // The two processes start together but tsx start-up varies, so whether they overlap is up to the machine
    // (they usually do: both encode; on a quiet machine one can finish first and the other reads its entries).
    const test = runs.slice(0, 2).map((r) => /mnist\/test: 60 images \((\d+) cached, (\d+) encoded\)/.exec(r.out));
    for (const m of test) expect(m && Number(m[1]) + Number(m[2])).toBe(60);
    expect(test.some((m) => m![2] === '60')).toBe(true);
  });

  it('both give exactly the numbers and features of an unsharded --no-cache run', () => {
    const plain = resultNumbers(join(tmp, 'plain'));
    expect(plain).toContain('"top1"');
    for (const r of ['a', 'b']) {
      expect(resultNumbers(join(tmp, r))).toBe(plain);
      expect(differingFeatureFiles(join(tmp, `features-${r}`), join(tmp, 'features-plain'))).toEqual([]);
    }
  });

  it('the shared cache holds every row once per bit pattern: verify finds it complete, nothing corrupt, no temp file left', async () => {
    const v = await runMain(features, ['verify', '--dataset', 'mnist', '--split', 'test', '--limit', '60', '--cache-dir', cache(), '--json']);
    expect(v.code, v.out + v.err).toBe(0);
    const report = JSON.parse(v.out);
    expect(report.sets[0]).toMatchObject({ present: 60, missingRows: 0, corrupt: [], duplicates: { differing: 0 } });
    const files = readdirSync(cache(), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a third run finds every row cached and encodes nothing', async () => {
    const r = await bench(['--cache-dir', cache(), '--require-cached', '--out', join(tmp, 'c')]);
    expect(r.code, r.out).toBe(0);
    expect(resultNumbers(join(tmp, 'c'))).toBe(resultNumbers(join(tmp, 'plain')));
  }, 60_000);
});
