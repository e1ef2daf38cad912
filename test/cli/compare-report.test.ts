import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main as compare } from '../../src/cli/compare.ts';
import { main as report } from '../../src/cli/report.ts';
import { esc } from '../../src/reports/html/page.ts';
import { resolveDataDir } from '../../src/util/paths.ts';
import { runMain } from './capture.ts';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

describe.skipIf(!haveCifar)('compare.html and plots beside compare.json (tiny exports, real CIFAR-10 rows)', () => {
  let tmp: string;
  const run = (out: string, candidate: string) =>
    runMain(compare, ['--reference', join(tmp, 'a'), '--candidate', join(tmp, candidate), '--dataset', 'cifar10', '--limit', '200', '--shots', '2', '--bootstrap', '200', '--min-agreement', '0.5', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, out)]);
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-compare-report-'));
    // Two different random exports (some predictions change) of the same shape.
    for (const [name, seed] of [['a', 3], ['b', 4]] as const) await writeTinyExport(join(tmp, name), { layout: 'transformers.js', imageSize: 32, dim: 16, seed });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('npm run compare writes compare.html with the verdict line and the three plots per dataset', async () => {
    const r = await run('live', 'b');
    expect(r.code).toBe(1);
    const html = readFileSync(join(tmp, 'live', 'compare.html'), 'utf8');
    expect(html).toContain(`<code>${esc(r.out.trim().split('\n').at(-1)!)}</code>`);
    expect(readdirSync(join(tmp, 'live', 'plots')).sort()).toEqual(['cifar10-class-delta.png', 'cifar10-classifier-delta.png', 'cifar10-cosine-histogram.png']);
  });

  it('npm run report -- compare.json re-renders the same compare.html and plots byte for byte', async () => {
    expect((await runMain(report, [join(tmp, 'live', 'compare.json'), '--out', join(tmp, 'again')])).code).toBe(0);
    for (const f of ['compare.html', 'compare.md', 'plots/cifar10-class-delta.png', 'plots/cifar10-cosine-histogram.png'])
      expect(readFileSync(join(tmp, 'again', f)).equals(readFileSync(join(tmp, 'live', f))), f).toBe(true);
  });

  it('re-renders an export compared with itself, whose SQNR is infinite (null in compare.json)', async () => {
    expect((await run('same', 'a')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'same', 'compare.json'), 'utf8')).datasets[0].embeddings.imageSqnrDb).toBeNull();
    expect((await runMain(report, [join(tmp, 'same', 'compare.json'), '--out', join(tmp, 'same-again')])).code).toBe(0);
    expect(readFileSync(join(tmp, 'same-again', 'compare.html'), 'utf8')).toContain('SQNR ∞ dB (identical)');
  });

  it('npm run report refuses a compare.json written before flips were recorded (exit 2, one error line)', async () => {
    const rec = JSON.parse(readFileSync(join(tmp, 'live', 'compare.json'), 'utf8'));
    delete rec.datasets[0].zeroShot.flips;
    const old = join(tmp, 'old.json');
    writeFileSync(old, JSON.stringify(rec));
    const r = await runMain(report, [old]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^error: .*old\.json predates flip counts .* \(dataset cifar10\); rerun the comparison: npm run compare -- --reference .* --candidate /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp, 'compare.html'))).toBe(false);
  });
});
