import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main as compare } from '../../src/cli/compare.ts';
import { main as report } from '../../src/cli/report.ts';
import { resolveDataDir } from '../../src/util/paths.ts';
import { esc } from '../../src/reports/html/page.ts';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

function capture() {
  const io = { out: '', err: '', stdout: { write: (s: string) => ((io.out += s), true) }, stderr: { write: (s: string) => ((io.err += s), true) } };
  return io;
}

describe.skipIf(!haveCifar)('compare.html and plots beside compare.json (tiny exports, real CIFAR-10 rows)', () => {
  let tmp: string;
  const run = async (out: string, candidate: string) => {
    const io = capture();
    const code = await compare(['--reference', join(tmp, 'a'), '--candidate', join(tmp, candidate), '--dataset', 'cifar10', '--limit', '200', '--shots', '2', '--bootstrap', '200', '--min-agreement', '0.5', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, out)], io);
    return { code, ...io };
  };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-compare-report-'));
    await writeTinyExport(join(tmp, 'a'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    await writeTinyExport(join(tmp, 'b'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 4 });
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
    const io = capture();
    expect(await report([join(tmp, 'live', 'compare.json'), '--out', join(tmp, 'again')], io)).toBe(0);
    for (const f of ['compare.html', 'compare.md', 'plots/cifar10-class-delta.png', 'plots/cifar10-cosine-histogram.png'])
      expect(readFileSync(join(tmp, 'again', f)).equals(readFileSync(join(tmp, 'live', f))), f).toBe(true);
  });

  it('re-renders an export compared with itself, whose SQNR is infinite (null in compare.json)', async () => {
    expect((await run('same', 'a')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'same', 'compare.json'), 'utf8')).datasets[0].embeddings.imageSqnrDb).toBeNull();
    const io = capture();
    expect(await report([join(tmp, 'same', 'compare.json'), '--out', join(tmp, 'same-again')], io)).toBe(0);
    expect(readFileSync(join(tmp, 'same-again', 'compare.html'), 'utf8')).toContain('SQNR ∞ dB (identical)');
  });
});
