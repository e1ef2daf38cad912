import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { benchCommand, main } from '../../src/cli/bench.ts';
import { singleCommandMain } from '../../src/cli/toolkit.ts';
import { validateResults } from '../../src/results/validate.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';
import { writeTinyFolder } from './fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-cli-bench-'));
const aFile = join(work, 'a-file');
let folder: string;
beforeAll(async () => {
  writeFileSync(aFile, 'x');
  folder = await writeTinyFolder(join(work, 'photos'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A model that does not exist: if a check ran after the model reference, the error would name --model.
const MISSING_MODEL = ['--model', './no-such-export'];
const run = (argv: string[]) => runMain(main, argv);

describe('bench checks output paths before any work', () => {
  it.each([
    ['--out', aFile, `${aFile} is a file, not a directory`],
    ['--out', join(aFile, 'sub'), `${aFile} is a file, so ${join(aFile, 'sub')} cannot be created`],
    ['--export-features', aFile, `${aFile} is a file, not a directory`],
    ['--cache-dir', aFile, `${aFile} is a file, not a directory`],
    ['--data-dir', aFile, `${aFile} is a file, not a directory`],
  ])('%s %s: one error line, exit 2, before the model is looked at', async (flag, path, message) => {
    const r = await run(['--dataset', folder, ...MISSING_MODEL, flag, path]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${flag} ${path}: ${message}; choose a directory\n`);
    expect(r.out).toBe('');
  });

  it.skipIf(!existsSync('/proc/self'))('--out under /proc (a pseudo filesystem) fails at once instead of hanging', async () => {
    const t0 = performance.now();
    const r = await run(['--dataset', folder, ...MISSING_MODEL, '--out', '/proc/clip-bench-out/run']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --out \/proc\/clip-bench-out\/run: cannot write in \/proc, so \/proc\/clip-bench-out\/run cannot be created there \(.*\); choose a writable directory\n$/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it.skipIf(process.getuid?.() === 0)('--out under a read-only directory is refused (skipped as root, who may write anywhere)', async () => {
    const ro = join(work, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    const r = await run(['--dataset', folder, ...MISSING_MODEL, '--out', join(ro, 'run')]);
    expect(r.err).toMatch(/^error: --out .*: cannot write in .*read-only, so .* cannot be created there \(permission denied: EACCES\)/);
  });

  it('--out into a directory that already holds files is refused unless --force', async () => {
    const used = join(work, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'results.json'), '{}');
    const refused = await run(['--dataset', folder, ...MISSING_MODEL, '--out', used]);
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(`error: --out ${used}: ${used} already holds files (results.json); choose a new directory, or pass --force to write into it\n`);
    const forced = await run(['--dataset', folder, ...MISSING_MODEL, '--out', used, '--force']);
    expect(forced.err).toMatch(/^error: --model \.\/no-such-export: no such directory/);
  });
});

describe('bench checks the model reference before opening datasets', () => {
  it('an unknown --model is reported before a dataset that would need fetching or reading', async () => {
    const r = await run(['--dataset', join(work, 'no-such-folder'), '--model', 'clip-vit-b99', '--out', join(work, 'o1')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --model clip-vit-b99: no such directory .* and not a registry model\. Registry models: clip-vit-b32/);
  });
});

describe('bench keeps the run when the last step fails', () => {
  it('writes results.invalid.json, prints one error line naming it, exits 1, and writes no results.json', async () => {
    const model = join(work, 'tiny-model');
    await writeTinyExport(model, { layout: 'transformers.js', imageSize: 32, dim: 8 });
    const out = join(work, 'out-invalid');
    const failing = singleCommandMain('npm run bench --', benchCommand({ validateResults: () => ['/datasets/0/zeroShot/balancedAccuracy/ci/1 must be <= 1'] }));
    const r = await runMain(failing, ['--dataset', folder, '--model', model, '--shots', '1', '--seeds', '1', '--bootstrap', '20', '--no-cache', '--out', out]);
    const kept = join(out, 'results.invalid.json');
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: the results do not match the results schema (/datasets/0/zeroShot/balancedAccuracy/ci/1 must be <= 1); the run is kept in ${kept}`,
    ]);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const record = JSON.parse(readFileSync(kept, 'utf8'));
    expect(record.datasets[0].probes[0].shots).toBe(1);
    // The kept record is the real one: with the real validator it is valid.
    expect(validateResults(record)).toEqual([]);
  });
});
