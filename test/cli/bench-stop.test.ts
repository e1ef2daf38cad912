import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { resolveDataDir, PROJECT_ROOT } from '../../src/util/paths.ts';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

// SIGTERM while probes fit: before, the blocked event loop ignored it until every fit was done.
describe.skipIf(!haveCifar)('a stop request during the probe grid (real CIFAR-10 pool, tiny export)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-stop-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('SIGTERM stops the run within seconds, exit 130, one error line, and the features stay cached', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/bench.ts'),
      '--model', join(tmp, 'model'), '--dataset', 'cifar10', '--shots', '1,2,4,8,16', '--seeds', '40', '--no-zero-shot', '--limit', '2000',
      '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, 'out')], { cwd: PROJECT_ROOT, env: { ...process.env, CI: 'true' } });
    let stderr = '';
    let signalledAt = 0;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!signalledAt && /probe seeds to fit/.test(stderr)) {
        signalledAt = performance.now();
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(signalledAt).toBeGreaterThan(0);
    expect(performance.now() - signalledAt).toBeLessThan(4_000);
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGTERM: stopping/);
    expect(stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(/interrupted while fitting probes; .*resumes/)]);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(tmp, 'cache')).length).toBeGreaterThan(0);
    expect(existsSync(join(tmp, 'out', 'results.json'))).toBe(false);
  }, 120_000);
});
