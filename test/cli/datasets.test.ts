import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/datasets.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { tempDir } from '../datasets/fixtures.ts';
import { runMain } from './capture.ts';

// Debian's python3-sklearn ships this file; tests that read it skip (saying so) where it is not installed.
const DIGITS_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
const HAVE_DIGITS = existsSync(DIGITS_CSV);
const run = (argv: string[]) => runMain(main, argv);

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

describe('npm run datasets: errors', () => {
  it.each([
    [['list', '--bogus'], "error: Unknown option '--bogus' (see: npm run datasets -- list --help)"],
    [['frobnicate'], 'error: unknown command "frobnicate"; commands: list, fetch, info, preview (see: npm run datasets -- --help)'],
    [['preview', 'mnist'], 'error: preview needs --out <file.png>'],
    [['info', 'mnist', '--out', 'x.png'], "error: Unknown option '--out' (see: npm run datasets -- info --help)"],
    [['preview', 'mnist', '--out', 'x.png', '--per-class', '0'], 'error: --per-class must be an integer ≥ 1, got 0'],
    [['preview', 'mnist', '--out', 'x.png', '--split', 'dev'], 'error: --split must be train, val or test, got "dev"'],
    [['fetch'], 'error: fetch needs at least one dataset name, e.g. npm run datasets -- fetch cifar10'],
  ])('%j is one error line, exit 2', async (argv, line) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${line}\n`);
    expect(r.out).toBe('');
  });

  it('checks --out and --data-dir before opening the dataset', async () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, 'x');
    expect((await run(['preview', 'no-such-dataset', '--out', join(file, 'x.png')])).err).toBe(`error: --out ${join(file, 'x.png')}: ${file} is a file, not a directory; choose a directory\n`);
    expect((await run(['preview', 'no-such-dataset', '--out', dir.path])).err).toBe(`error: --out ${dir.path}: ${dir.path} is a directory; give a file name\n`);
    const r = await run(['info', 'no-such-dataset', '--data-dir', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --data-dir ${file}: ${file} is a file, not a directory; choose a directory\n`);
  });

  it('exits 2 with "error: …" and no stack on a bad flag, as a process', async () => {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/datasets.ts'), 'list', '--nope'], { cwd: PROJECT_ROOT }).catch((e) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: Unknown option '--nope' (see: npm run datasets -- list --help)\n");
  });
});

describe('npm run datasets: help', () => {
  it('--help lists the commands, with examples', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: npm run datasets -- <command> \[options\]\n/);
    expect(r.out).toMatch(/Commands:\n {2}list/);
    expect(r.out).toMatch(/Examples:\n {2}npm run datasets -- list/);
  });

  it.each(['list', 'fetch', 'info', 'preview'])('%s --help shows that command\'s own usage, options and examples', async (cmd) => {
    const r = await run([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: npm run datasets -- ${cmd}`));
    expect(r.out).toMatch(/\nOptions:\n/);
    expect(r.out).toMatch(new RegExp(`Examples:\\n {2}npm run datasets -- ${cmd}`));
    expect(r.out).not.toMatch(/Commands:/);
  });

  it('help <cmd> is the same as <cmd> --help', async () => {
    expect((await run(['help', 'fetch'])).out).toBe((await run(['fetch', '--help'])).out);
  });

  it('preview --help documents its own flags and not those of other commands', async () => {
    const preview = (await run(['preview', '--help'])).out;
    expect(preview).toMatch(/--per-class <n>/);
    expect((await run(['fetch', '--help'])).out).not.toMatch(/--per-class/);
  });
});

describe('npm run datasets: list', () => {
  it('--json is one JSON document on stdout listing every built-in', async () => {
    const r = await run(['list', '--json', '--data-dir', dir.path]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.dataDir).toBe(dir.path);
    expect(json.datasets.map((d: { name: string }) => d.name)).toEqual(['cifar10', 'mnist', 'fashion-mnist', 'quickdraw', 'digits']);
    expect(json.datasets[0].status).toMatch(/not fetched/);
  });
});

describe.skipIf(!HAVE_DIGITS)('npm run datasets: info (needs Debian python3-sklearn for digits)', () => {
  it('prints provenance, identity and per-class counts', async () => {
    const { out } = await run(['info', 'digits', '--data-dir', dir.path]);
    expect(out).toMatch(/source: +debian:python3-sklearn/);
    expect(out).toMatch(/train: +1438 images, identity [0-9a-f]{64}/);
    expect(out).toMatch(/test: +359 images/);
    expect(out).toMatch(/0 0 +142 +36\n/);
  });

  it('--json gives the same counts as data', async () => {
    const r = await run(['info', 'digits', '--data-dir', dir.path, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.splits.map((s: { split: string; images: number }) => [s.split, s.images])).toEqual([['train', 1438], ['test', 359]]);
    expect(json.splits[0].perClass[0]).toBe(142);
    expect(json.classes).toHaveLength(10);
  });
});
