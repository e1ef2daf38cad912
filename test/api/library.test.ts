/**
 * The library API as another package sees it: a temporary consumer installs this repository by path
 * (npm links it and runs its `prepare`, which compiles dist/), then plain node (no tsx, no loader) imports
 * `clip-bench` and runs zero-shot and a probe sweep on a tiny export; the same scenario run in-process on
 * src/ must give identical numbers. Offline: a path install fetches nothing.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { writeTree } from '../datasets/user-fixtures.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import * as srcApi from '../../src/index.ts';
// @ts-expect-error: plain JS fixture shared with the consumer package
import { scenario } from './consumer/scenario.mjs';

const run = promisify(execFile);
const FIXTURES = join(PROJECT_ROOT, 'test', 'api', 'consumer');

/** The environment of a fresh shell: no npm_* settings inherited from `npm test` (its ignore-scripts among them), no loaders. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_OPTIONS'));
  return { ...env, NO_UPDATE_NOTIFIER: '1' };
}

/** 3 classes × (4 train + 2 test) 8×8 PNGs, each a noisy version of its class colour. */
async function writeImageFolder(root: string): Promise<void> {
  const colours: Record<string, [number, number, number]> = { red: [200, 30, 30], green: [30, 200, 30], blue: [30, 30, 200] };
  const files: Record<string, Uint8Array> = {};
  for (const [name, rgb] of Object.entries(colours)) {
    for (const [split, n] of [['train', 4], ['test', 2]] as const) {
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(8 * 8 * 3);
        for (let p = 0; p < px.length; p++) px[p] = (rgb[p % 3] + ((p * 37 + i * 11 + split.length) % 41)) % 256;
        files[`${split}/${name}/${i}.png`] = await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
      }
    }
  }
  await writeTree(root, files);
}

/** A child process's outcome, held until a test reads it (so several can run at once without unhandled rejections). */
type Outcome = { stdout: string; stderr: string; code: number };
const settle = (p: Promise<{ stdout: string; stderr: string }>): Promise<Outcome> =>
  p.then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? String(e), code: e.code ?? 1 }),
  );

describe('library API from a separate package (plain node)', () => {
  let tmp: string;
  let consumer: string;
  let args: string[];
  let viaPackage: Promise<Outcome>;
  let typeCheck: Promise<Outcome>;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cb-api-'));
    consumer = join(tmp, 'consumer');
    args = [join(tmp, 'model'), join(tmp, 'data'), join(tmp, 'not-results.json')];
    await writeTinyExport(args[0], { layout: 'transformers.js', imageSize: 32, dim: 8, seed: 5 });
    await writeImageFolder(args[1]);
    await writeFile(args[2], '{"schema": "something else"}');
    // What a user writes: a path dependency, and (npm 11) permission for its prepare script to build dist/.
    const spec = `file:${relative(consumer, PROJECT_ROOT)}`;
    await writeTree(consumer, {
      'package.json': JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'clip-bench': spec }, allowScripts: { [spec]: true } }),
      'tsconfig.json': JSON.stringify({
        // No @types/node: the API's own types do not need them, and loading them triples the check's time.
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }),
    });
    for (const f of ['consumer.mjs', 'scenario.mjs', 'consumer.ts']) await copyFile(join(FIXTURES, f), join(consumer, f));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts=false'], { cwd: consumer, env: cleanEnv() });
    // Both child processes start now and run while the tests below compute their in-process side.
    viaPackage = settle(run(process.execPath, ['consumer.mjs', ...args], { cwd: consumer, env: cleanEnv() }));
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    typeCheck = settle(run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, env: cleanEnv() }));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('npm installs a path dependency as a link to this repository', async () => {
    const installed = join(consumer, 'node_modules', 'clip-bench');
    expect((await lstat(installed)).isSymbolicLink()).toBe(true);
    expect(await realpath(installed)).toBe(await realpath(PROJECT_ROOT));
  });

  it('plain node imports it by name and computes what src/ computes', async () => {
    const inProcess = await scenario(srcApi, ...args);
    const out = await viaPackage;
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout);
    expect(result.classes).toEqual(['blue', 'green', 'red']);
    expect(result.testFeatures).toHaveLength(6 * 8);
    expect(result.bench.problems).toEqual([]);
    expect(result.bench.probeTop1).toHaveLength(2);
    expect(result).toEqual(inProcess);
  });

  it('a bad results file is a UserError naming the file, across the package boundary', async () => {
    const { resultsError } = JSON.parse((await viaPackage).stdout);
    expect(resultsError.isUserError).toBe(true);
    expect(resultsError.message).toContain(args[2]);
  });

  it('its .d.ts types check a TypeScript consumer (and reject a wrong split name)', async () => {
    const out = await typeCheck;
    expect(out.stdout).toBe('');
    expect(out.code).toBe(0);
  });
});
