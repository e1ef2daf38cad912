import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/report.ts';
import { runMain } from '../cli/capture.ts';
import { parseCsv, readFixture, tempDir, TINY_A, TINY_B } from './helpers.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

const report = (...argv: string[]) => runMain(main, argv);
const write = async (name: string, value: unknown) => {
  const f = join(dir.path, name);
  await writeFile(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
};

/** A failed report: exit 2, exactly one `error:` line naming `what`, and `out` (and no staging dir) left behind. */
async function expectRefused(argv: string[], what: RegExp, out: string) {
  const r = await report(...argv);
  expect(r.code).toBe(2);
  expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.err).toMatch(/^error: /);
  expect(r.err).toMatch(what);
  expect(r.out).toBe('');
  expect(await readdir(out).catch(() => null)).toBeNull();
  expect((await readdir(dir.path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}

describe('npm run report', () => {
  it('combines two runs into CSV, markdown, HTML and plots, and prints the tables', async () => {
    const out = join(dir.path, 'ok');
    const r = await report(TINY_A, TINY_B, '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/zero-shot \(top-1 %\)\nmodel\s+toy\s+toy2\s+mean\s+mean rank/);
    expect((await readdir(out)).sort()).toEqual(['combined-per-seed.csv', 'combined.csv', 'plots', 'report.html', 'report.md']);
    const rows = parseCsv(await readFile(join(out, 'combined.csv'), 'utf8'));
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((x) => x.source))).toEqual(new Set([TINY_A, TINY_B]));
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('Comparison with tiny-a');
  });

  it('writes only the formats asked for', async () => {
    const out = join(dir.path, 'csv-only');
    expect((await report(TINY_A, '--out', out, '--format', 'csv')).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['combined-per-seed.csv', 'combined.csv']);
  });

  it('refuses a truncated results.json, naming the file', async () => {
    const text = await readFile(TINY_B, 'utf8');
    const f = await write('truncated.json', text.slice(0, 500));
    await expectRefused([TINY_A, f, '--out', join(dir.path, 'x1')], /truncated\.json: not valid JSON/, join(dir.path, 'x1'));
  });

  it('refuses an unknown schemaVersion', async () => {
    const f = await write('v7.json', { ...(await readFixture(TINY_B)), schemaVersion: 7 });
    await expectRefused([f, '--out', join(dir.path, 'x2')], /v7\.json: schemaVersion 7 is newer/, join(dir.path, 'x2'));
  });

  it('refuses a directory with no results', async () => {
    await mkdir(join(dir.path, 'nothing'));
    await expectRefused([join(dir.path, 'nothing'), '--out', join(dir.path, 'x3')], /nothing: no results\.json/, join(dir.path, 'x3'));
  });

  it('refuses runs with different protocols, naming the fields, unless --allow-mixed', async () => {
    const b = await readFixture(TINY_B);
    b.protocol.cGrid = [1];
    b.protocol.bootstrap.resamples = 10;
    const f = await write('other-protocol.json', b);
    await expectRefused([TINY_A, f, '--out', join(dir.path, 'x4')], /runs differ in protocol: cGrid, bootstrap .*--allow-mixed/, join(dir.path, 'x4'));
    const out = join(dir.path, 'mixed');
    const r = await report(TINY_A, f, '--out', out, '--allow-mixed');
    expect(r.code).toBe(0);
    expect(r.out).toContain('mixed protocols (marked †): cGrid, bootstrap');
    const rows = parseCsv(await readFile(join(out, 'combined.csv'), 'utf8'));
    expect(rows.filter((x) => x.model === 'tiny-b').every((x) => x.mixed === 'cGrid; bootstrap')).toBe(true);
    expect(rows.filter((x) => x.model === 'tiny-a').every((x) => x.mixed === '')).toBe(true);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toMatch(/Mixed protocols[\s\S]*†/);
  });

  it('refuses an --out that is a file', async () => {
    const f = await write('a-file', 'x');
    const r = await report(TINY_A, '--out', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --out .*a-file: .* is a file, not a directory/);
    expect(await readFile(f, 'utf8')).toBe('x');
  });

  it('refuses a non-empty --out without --force, and replaces the report with it', async () => {
    const out = join(dir.path, 'again');
    expect((await report(TINY_A, '--out', out, '--format', 'md')).code).toBe(0);
    const r = await report(TINY_A, TINY_B, '--out', out, '--format', 'md');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already holds files \(report\.md\).*--force/);
    expect((await report(TINY_A, TINY_B, '--out', out, '--format', 'md', '--force')).code).toBe(0);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('tiny-b');
  });

  it('needs at least one input, --out, and known formats', async () => {
    expect((await report('--out', join(dir.path, 'y'))).err).toMatch(/^error: name at least one results.json/);
    expect((await report(TINY_A)).err).toMatch(/^error: --out <dir> is required/);
    const r = await report(TINY_A, '--out', join(dir.path, 'y'), '--format', 'html,pdf');
    expect([r.code, r.err]).toEqual([2, 'error: --format takes a comma-separated list of html, csv, md, png; got "html,pdf"\n']);
  });
});
