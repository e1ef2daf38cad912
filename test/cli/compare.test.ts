import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main } from '../../src/cli/compare.ts';
import { resolveDataDir } from '../../src/util/paths.ts';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

function capture() {
  const io = { out: '', err: '', stdout: { write: (s: string) => ((io.out += s), true) }, stderr: { write: (s: string) => ((io.err += s), true) } };
  return io;
}

describe.skipIf(!haveCifar)('npm run compare (tiny exports, real CIFAR-10 rows)', () => {
  let tmp: string;
  const run = async (...args: string[]) => {
    const io = capture();
    const code = await main(['--dataset', 'cifar10', '--limit', '200', '--bootstrap', '200', '--cache-dir', join(tmp, 'cache'), '--force', ...args], io);
    return { code, ...io };
  };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-compare-'));
    await writeTinyExport(join(tmp, 'a'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    await writeTinyExport(join(tmp, 'b'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 4 });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('an export compared with itself passes with agreement 1 and cosine 1; the verdict is the last line', async () => {
    const r = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'a'), '--shots', '2', '--out', join(tmp, 'same'));
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^verdict: PASS \(\d+ gate checks\)$/);
    const rec = JSON.parse(readFileSync(join(tmp, 'same', 'compare.json'), 'utf8'));
    const [ds] = rec.datasets;
    expect(ds.n).toBe(200);
    expect(ds.zeroShot).toMatchObject({ agreement: 1, delta: 0, negativeFlipRate: 0 });
    expect(ds.embeddings.imageCosine.min).toBeCloseTo(1, 9);
    expect(ds.probes[0].perSeed[0]).toMatchObject({ agreement: 1, delta: 0 });
    expect(readFileSync(join(tmp, 'same', 'compare.md'), 'utf8')).toMatch(/verdict: PASS/);
  });

  it('a gate the candidate cannot meet exits 1, naming the gate and its measured value', async () => {
    const r = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), '--min-agreement', '1', '--out', join(tmp, 'diff'));
    expect(r.code).toBe(1);
    const last = r.out.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^verdict: FAIL — /);
    expect(last).toMatch(/cifar10 zero-shot: min-agreement 0\.\d{4} < 1/);
    expect(last).toMatch(/min-cosine/);
  });

  it('a saved baseline gives the live verdict and the same statistics without the reference model', async () => {
    const file = join(tmp, 'baseline.json');
    const save = await run('--reference', join(tmp, 'a'), '--shots', '2', '--save-baseline', file, '--out', join(tmp, 'save'));
    expect(save.code).toBe(0);
    const live = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), '--shots', '2', '--min-agreement', '0.5', '--out', join(tmp, 'live'));
    const stored = await run('--baseline', file, '--candidate', join(tmp, 'b'), '--shots', '2', '--min-agreement', '0.5', '--out', join(tmp, 'stored'));
    expect(stored.code).toBe(live.code);
    expect(stored.out.trim().split('\n').at(-1)).toBe(live.out.trim().split('\n').at(-1));
    const read = (d: string) => JSON.parse(readFileSync(join(tmp, d, 'compare.json'), 'utf8'));
    expect(read('stored').datasets).toEqual(read('live').datasets);
    expect(read('stored').gates).toEqual(read('live').gates);
  });

  it('a baseline saved with --shift stores the shifted outcomes: the candidate gets the live statistics on every shifted set', async () => {
    const file = join(tmp, 'baseline-shift.json');
    const shift = ['--shift', 'quickdraw,contrast:4'];
    expect((await run('--reference', join(tmp, 'a'), ...shift, '--save-baseline', file, '--out', join(tmp, 'save-shift'))).code).toBe(0);
    const b = JSON.parse(readFileSync(file, 'utf8'));
    expect(b.datasets[0].shifted.map((s: { label: string }) => s.label)).toEqual(['quickdraw', 'quickdraw (9 classes)', 'contrast:4']);
    const live = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), ...shift, '--min-agreement', '0.5', '--out', join(tmp, 'live-shift'));
    const stored = await run('--baseline', file, '--candidate', join(tmp, 'b'), ...shift, '--min-agreement', '0.5', '--out', join(tmp, 'stored-shift'));
    expect(stored.code).toBe(live.code);
    const read = (d: string) => JSON.parse(readFileSync(join(tmp, d, 'compare.json'), 'utf8'));
    expect(read('stored-shift').datasets.map((d: { dataset: string }) => d.dataset)).toEqual(['cifar10', 'cifar10 [quickdraw]', 'cifar10 [quickdraw (9 classes)]', 'cifar10 [contrast:4]']);
    expect(read('stored-shift').datasets).toEqual(read('live-shift').datasets);
    // Asking for a shift the baseline lacks is a protocol mismatch (exit 2), never a silent clean-only comparison.
    const other = await run('--baseline', file, '--candidate', join(tmp, 'b'), '--shift', 'contrast:4', '--out', join(tmp, 'other-shift'));
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--shift contrast:4 vs the baseline's quickdraw,contrast:4/);
  });

  it('a baseline from another protocol is refused, naming what differs (exit 2)', async () => {
    const file = join(tmp, 'baseline-200.json');
    expect((await run('--reference', join(tmp, 'a'), '--save-baseline', file, '--out', join(tmp, 's2'))).code).toBe(0);
    const io = capture();
    const code = await main(['--dataset', 'cifar10', '--limit', '100', '--cache-dir', join(tmp, 'cache'), '--baseline', file, '--candidate', join(tmp, 'b'), '--out', join(tmp, 'm')], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/does not match this comparison: --limit 100 vs the baseline's 200/);
  });

  it('--shift compares the same heads on corrupted copies of the same rows', async () => {
    const r = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'a'), '--shift', 'gaussian_noise:2,contrast:4', '--out', join(tmp, 'shift'));
    expect(r.code).toBe(0);
    const rec = JSON.parse(readFileSync(join(tmp, 'shift', 'compare.json'), 'utf8'));
    expect(rec.datasets.map((d: { dataset: string }) => d.dataset)).toEqual(['cifar10', 'cifar10 [gaussian_noise:2]', 'cifar10 [contrast:4]']);
    expect(rec.protocol.shifts).toEqual(['gaussian_noise:2', 'contrast:4']);
    // The same export on the same corrupted rows (seeded per row): identical predictions and embeddings.
    expect(rec.datasets[1].zeroShot).toMatchObject({ agreement: 1, delta: 0 });
    expect(rec.datasets[1].embeddings.imageCosine.min).toBeCloseTo(1, 9);
    // …while the corruption really changed the features the heads saw.
    expect(rec.datasets[2].zeroShot.referenceTop1 === rec.datasets[0].zeroShot.referenceTop1 && rec.datasets[1].zeroShot.referenceTop1 === rec.datasets[0].zeroShot.referenceTop1).toBe(false);
  });

  it('--shift quickdraw compares on the natural shift as bench scores it: full and restricted to the classes present', async () => {
    const r = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'a'), '--shift', 'quickdraw', '--out', join(tmp, 'nat'));
    expect(r.code).toBe(0);
    const rec = JSON.parse(readFileSync(join(tmp, 'nat', 'compare.json'), 'utf8'));
    expect(rec.datasets.map((d: { dataset: string }) => d.dataset)).toEqual(['cifar10', 'cifar10 [quickdraw]', 'cifar10 [quickdraw (9 classes)]']);
    expect(rec.datasets[1].n).toBe(200);
    expect(rec.datasets[2].zeroShot).toMatchObject({ agreement: 1, delta: 0, top5Overlap: 1 });
    // The restricted head never answers deer (no QuickDraw deer): its per-class Δ is undefined, not 0.
    expect(rec.datasets[2].zeroShot.perClassDelta.find((c: { class: string }) => c.class === 'deer').delta).toBeNull();
  });

  it('released CIFAR-10-C folders are refused in compare (exit 2)', async () => {
    const r = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'b'), '--shift', `released:${tmp}`, '--out', join(tmp, 'rel'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not supported in compare yet/);
  });

  it('bad gates and missing exports are usage errors (exit 2) before any encoding', async () => {
    expect((await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'a'), '--min-agreement', '1.5', '--out', join(tmp, 'x'))).err).toMatch(/--min-agreement 1.5 is outside \[0, 1\]/);
    const missing = await run('--reference', join(tmp, 'a'), '--candidate', join(tmp, 'nope'), '--out', join(tmp, 'y'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope/);
    expect((await run('--reference', join(tmp, 'a'), '--out', join(tmp, 'z'))).code).toBe(2);
  });
});
