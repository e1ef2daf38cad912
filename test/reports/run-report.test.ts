import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRunReport } from '../../src/reports/write.ts';
import { PER_SEED_COLUMNS, SUMMARY_COLUMNS } from '../../src/reports/tidy.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { parseCsv, pngSize, readFixture, tempDir, TINY_A } from './helpers.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let results: BenchResults;
let html: string;
beforeAll(async () => {
  dir = await tempDir();
  results = await readFixture(TINY_A);
  await writeRunReport(results, join(dir.path, 'one'));
  html = await readFile(join(dir.path, 'one', 'report.html'), 'utf8');
});
afterAll(async () => dir.cleanup());

describe('results.csv', () => {
  it('has the documented columns and one row per dataset × method × shots', async () => {
    const text = await readFile(join(dir.path, 'one', 'results.csv'), 'utf8');
    expect(text.split('\n')[0].split(',')).toEqual([...SUMMARY_COLUMNS]);
    const rows = parseCsv(text);
    expect(rows.map((r) => `${r.dataset}/${r.method}/${r.shots}`)).toEqual([
      'toy/zero-shot/0', 'toy/linear-probe/1', 'toy/linear-probe/2', 'toy/linear-probe/all',
      'toy2/zero-shot/0', 'toy2/linear-probe/1', 'toy2/linear-probe/2', 'toy2/linear-probe/all',
    ]);
  });

  it('copies estimates, C choices and break-even from the record', async () => {
    const rows = parseCsv(await readFile(join(dir.path, 'one', 'results.csv'), 'utf8'));
    const twoShot = rows.find((r) => r.dataset === 'toy' && r.shots === '2')!;
    expect(twoShot).toMatchObject({ top1_mean: '0.9166', top1_std: '0.1179', top1_ci_low: '0.6667', top1_ci_high: '1', c_min: '1', c_max: '4.2', c_per_seed: '1 4.2', n_seeds: '2', n_test: '6', seeds: '0 1', top5_mean: '' });
    const zs2 = rows.find((r) => r.dataset === 'toy2' && r.method === 'zero-shot')!;
    expect(zs2).toMatchObject({ top1_mean: '0.8333', top5_mean: '1', templates: '2', break_even_shots: '1.6818', classes: '6' });
  });
});

describe('results-per-seed.csv', () => {
  it('has one row per fitted classifier, zero-shot without a seed', async () => {
    const text = await readFile(join(dir.path, 'one', 'results-per-seed.csv'), 'utf8');
    expect(text.split('\n')[0].split(',')).toEqual([...PER_SEED_COLUMNS]);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(2 * (1 + 3 * 2));
    expect(rows[0]).toMatchObject({ method: 'zero-shot', seed: '' });
    expect(rows.find((r) => r.dataset === 'toy' && r.shots === '1' && r.seed === '0')).toMatchObject({ c: '100000', top1: '0.6667' });
  });
});

describe('plots', () => {
  it('writes valid PNGs: a curve, per-class and two confusion matrices per dataset, and the two across-dataset plots', async () => {
    const files = (await readdir(join(dir.path, 'one', 'plots'))).sort();
    expect(files).toEqual([
      'shots-to-match-zero-shot.png', 'toy-confusion-all-shot.png', 'toy-confusion-zero-shot.png', 'toy-few-shot.png', 'toy-per-class.png',
      'toy2-confusion-all-shot.png', 'toy2-confusion-zero-shot.png', 'toy2-few-shot.png', 'toy2-per-class.png', 'zero-shot-minus-probe.png',
    ]);
    for (const f of files) expect(pngSize(await readFile(join(dir.path, 'one', 'plots', f))).width).toBeGreaterThan(400);
  });
});

describe('report.html', () => {
  it('inlines every plot as a data: URI', () => {
    const imgs = [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(imgs).toHaveLength(10);
    expect(imgs.every((src) => src.startsWith('data:image/png;base64,'))).toBe(true);
  });

  it('references nothing outside the file: no http(s) in src or href, no scripts, no stylesheets', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
  });

  it('shows the warnings: the record\'s own, demo model', () => {
    expect(html).toContain('identical text embeddings for classes &quot;black&quot;, &quot;white&quot;');
    expect(html).toContain('Demo model, not CLIP');
  });

  it('lists the provenance: model hashes, dataset checksum, split identities, seeds, C grid, chosen C, templates, command, git commit', () => {
    for (const s of [
      'a'.repeat(64), 'e'.repeat(64), '1'.repeat(64),
      results.datasets[0].splits.test!.identity, results.datasets[1].splits.train!.identity,
      '1000000, 1, 0.000001', 'a photo of a {}.', 'npm run bench -- --dataset toy',
      '0123456789abcdef0123456789abcdef01234567', '20210226', '4.2',
    ]) expect(html).toContain(s);
  });

  it('has a print stylesheet', () => {
    expect(html).toContain('@media print');
  });

  it('escapes class names and other text from the record', async () => {
    const r = structuredClone(results);
    r.datasets[0].classes[0] = '<b>cat</b>';
    await writeRunReport(r, join(dir.path, 'escaped'), { formats: ['html'] });
    const out = await readFile(join(dir.path, 'escaped', 'report.html'), 'utf8');
    expect(out).toContain('&lt;b&gt;cat&lt;/b&gt;');
    expect(out).not.toContain('<b>cat</b>');
  });
});

describe('distribution shifts', () => {
  it('plots and tables shifted test sets in the clean set\'s section, and keeps every row in the CSV', async () => {
    const r = structuredClone(results);
    const [toy] = r.datasets;
    const shifted = structuredClone(toy);
    shifted.shift = 'gaussian_noise:3';
    shifted.shiftInfo = { kind: 'corruption', corruption: 'gaussian_noise', severity: 3, seed: 0, suite: 'CIFAR-10-C (re-implementation, seed 0)', fidelity: 'seeded', group: 'corruptions' };
    shifted.zeroShot.top1 = { mean: 0.3333, std: 0, ci: [0.1, 0.6] };
    r.datasets.splice(1, 0, shifted);
    await writeRunReport(r, join(dir.path, 'shifted'));
    const plots = (await readdir(join(dir.path, 'shifted', 'plots'))).sort();
    expect(plots.filter((f) => f.startsWith('toy-'))).toEqual(['toy-confusion-all-shot.png', 'toy-confusion-zero-shot.png', 'toy-few-shot.png', 'toy-per-class.png', 'toy-shifts.png']);
    const html = await readFile(join(dir.path, 'shifted', 'report.html'), 'utf8');
    expect(html).toMatch(/Distribution shifts[\s\S]*<td>gaussian_noise:3<\/td><td>seeded<\/td><td>33\.3 \[10\.0, 60\.0\]<\/td>/);
    expect(html).not.toContain('id="ds-toy-gaussian_noise-3"');
    const rows = parseCsv(await readFile(join(dir.path, 'shifted', 'results.csv'), 'utf8'));
    expect(rows.filter((x) => x.shift === 'gaussian_noise:3').map((x) => x.method)).toEqual(['zero-shot', 'linear-probe', 'linear-probe', 'linear-probe']);
  });
});

describe('image-only backbones', () => {
  it('report probes alone when zero-shot is unavailable', async () => {
    const r = structuredClone(results);
    for (const ds of r.datasets) {
      ds.zeroShot = { available: false, reason: 'image-only backbone: no text tower' };
      ds.breakEvenShots = null;
      delete ds.breakEvenNote;
    }
    await writeRunReport(r, join(dir.path, 'image-only'));
    expect((await readdir(join(dir.path, 'image-only', 'plots'))).sort()).toEqual([
      'toy-confusion-all-shot.png', 'toy-few-shot.png', 'toy-per-class.png', 'toy2-confusion-all-shot.png', 'toy2-few-shot.png', 'toy2-per-class.png',
    ]);
    const rows = parseCsv(await readFile(join(dir.path, 'image-only', 'results.csv'), 'utf8'));
    expect(rows.every((x) => x.method === 'linear-probe')).toBe(true);
    expect(await readFile(join(dir.path, 'image-only', 'report.html'), 'utf8')).toContain('Zero-shot: unavailable (image-only backbone: no text tower)');
  });
});

describe('determinism', () => {
  it('the same record gives byte-identical CSV, PNG and HTML files', async () => {
    await writeRunReport(results, join(dir.path, 'two'));
    const list = async (d: string) => [...(await readdir(d, { recursive: true }))].filter((f) => f.includes('.')).sort();
    const files = await list(join(dir.path, 'one'));
    expect(await list(join(dir.path, 'two'))).toEqual(files);
    for (const f of files) expect((await readFile(join(dir.path, 'two', f))).equals(await readFile(join(dir.path, 'one', f)))).toBe(true);
  });
});

describe('formats', () => {
  it('writes only the requested outputs', async () => {
    await writeRunReport(results, join(dir.path, 'csv-only'), { formats: ['csv'] });
    expect((await readdir(join(dir.path, 'csv-only'))).sort()).toEqual(['results-per-seed.csv', 'results.csv']);
  });
});
