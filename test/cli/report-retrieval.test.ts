import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { main as benchMain } from '../../src/cli/bench.ts';
import { main as reportMain } from '../../src/cli/report.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { slug } from '../../src/reports/select.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';
import { writeCaptionedImages, writeTinyFolder } from './fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-report-retrieval-'));
const models = [join(work, 'tiny-a'), join(work, 'tiny-b')];
const runs = [join(work, 'run-a'), join(work, 'run-b')];
const COLOURS = ['red', 'green', 'blue', 'yellow'];
let captions: string;
let folder: string;

beforeAll(async () => {
  await writeTinyExport(models[0], { layout: 'transformers.js', imageSize: 32, dim: 8 });
  await writeTinyExport(models[1], { layout: 'transformers.js', imageSize: 32, dim: 8, seed: 2 });
  captions = await writeCaptionedImages(join(work, 'pics'), COLOURS);
  folder = await writeTinyFolder(join(work, 'photos'));
  for (const [i, m] of models.entries()) {
    const r = await runMain(benchMain, ['--task', 'retrieval', '--dataset', captions, '--dataset', folder, '--model', m, '--bootstrap', '50', '--no-cache', '--out', runs[i]]);
    expect(r.code).toBe(0);
  }
});
afterAll(() => void (process.env.KEEP_RETRIEVAL_TEST_DIR ? console.log(work) : rmSync(work, { recursive: true, force: true })));

const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;

describe('npm run report on --task retrieval runs', () => {
  it('combines two models: a table per test set with every metric copied from results.json, overlaid recall@k curves, per-class AP bars, CSV, HTML and markdown', async () => {
    const out = join(work, 'report');
    const r = await runMain(reportMain, [runs[0], runs[1], '--out', out]);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const [a, b] = runs.map(results);
    const labels = [a.model.name, b.model.name];
    // Console: one table per test set, a row per model, "mean [CI]" in %.
    const capA = a.retrieval!.find((x) => x.kind === 'caption')!;
    const r5 = capA.metrics['image_retrieval_recall@5'];
    expect(r.out).toContain(`${(100 * r5.mean).toFixed(1)} [${(100 * r5.ci[0]).toFixed(1)}, ${(100 * r5.ci[1]).toFixed(1)}]`);
    expect(r.out).toMatch(/^captions\n/m);
    const plots = readdirSync(join(out, 'plots')).sort();
    // The folder's label is its path, as for classification runs.
    const photos = slug(folder);
    expect(plots).toEqual(['captions-retrieval-recall.png', `${photos}-retrieval-ap.png`, `${photos}-retrieval-recall.png`]);
    // CSV: every metric of every record of both runs, with the run's file.
    const rows = parse(readFileSync(join(out, 'combined-retrieval.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    for (const [i, run] of [a, b].entries())
      for (const rec of run.retrieval!)
        for (const [metric, e] of Object.entries(rec.metrics)) {
          const row = rows.find((x) => x.model === labels[i] && x.dataset === rec.dataset && x.query === 'all' && x.metric === metric);
          expect(Number(row?.value)).toBeCloseTo(e.mean, 6);
          expect(row?.source).toBe(join(runs[i], 'results.json'));
        }
    expect(rows.filter((x) => x.metric === 'AP').map((x) => x.query)).toEqual(['a', 'b', 'a', 'b']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h3 id="captions">captions</h3>');
    expect(html).toContain(`<h3 id="${photos}">${folder}</h3>`);
    expect((html.match(/<img /g) ?? []).length).toBe(3);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`## ${folder}\n\n| model | mAP % |`);
  });

  it('refuses to mix a classification run with retrieval runs, and runs of different protocols without --allow-mixed', async () => {
    const cls = join(work, 'run-cls');
    const c = await runMain(benchMain, ['--dataset', folder, '--shots', '1', '--model', models[0], '--bootstrap', '50', '--no-cache', '--out', cls]);
    expect(c.code).toBe(0);
    const mixed = await runMain(reportMain, [runs[0], cls, '--out', join(work, 'rep-mixed')]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/^error: .*run-cls\/results\.json is a classification run and .*run-a\/results\.json a --task retrieval run: report combines runs of one task/);
    const other = join(work, 'run-c');
    expect((await runMain(benchMain, ['--task', 'retrieval', '--dataset', captions, '--model', models[1], '--bootstrap', '40', '--no-cache', '--out', other])).code).toBe(0);
    const diff = await runMain(reportMain, [runs[0], other, '--out', join(work, 'rep-diff')]);
    expect(diff.code).toBe(2);
    expect(diff.err).toMatch(/^error: runs differ in protocol: bootstrap/);
    expect(existsSync(join(work, 'rep-diff'))).toBe(false);
    const allowed = await runMain(reportMain, [runs[0], other, '--out', join(work, 'rep-allowed'), '--allow-mixed']);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/ †/);
  });
});
