import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { main } from '../../src/cli/bench.ts';
import { main as compareMain } from '../../src/cli/compare.ts';
import { validateResults } from '../../src/results/validate.ts';
import { decodeNpy } from '../../src/util/npy.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';
import { writeTinyFolder } from './fixtures.ts';
import { writeAsRetrievalWebdataset } from '../datasets/format-fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-cli-retrieval-'));
const KEEP = process.env.KEEP_RETRIEVAL_TEST_DIR;
const model = join(work, 'tiny-model');
const pics = join(work, 'pics');
const COLOURS = ['red', 'green', 'blue', 'yellow', 'white', 'black'];
const RGB = [[220, 20, 20], [20, 200, 20], [20, 20, 220], [230, 230, 20], [250, 250, 250], [5, 5, 5]];
let folder: string;

const tsv = (rows: string[][]) => rows.map((r) => r.join('\t')).join('\n') + '\n';
const captionRows = () => [['filepath', 'title'], ...COLOURS.flatMap((c, i) => [[`${c}.png`, `a ${c} square`], [`${c}.png`, `a photo of something ${c}`]]).filter((_, i) => i !== 3)];

beforeAll(async () => {
  await writeTinyExport(model, { layout: 'transformers.js', imageSize: 32, dim: 8 });
  mkdirSync(pics, { recursive: true });
  for (const [i, c] of COLOURS.entries()) await sharp(Buffer.from(Array.from({ length: 16 * 16 }, (_, p) => RGB[i].map((v) => (v + p) % 256)).flat()), { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(pics, `${c}.png`));
  writeFileSync(join(pics, 'captions.tsv'), tsv(captionRows()));
  folder = await writeTinyFolder(join(work, 'photos'));
});
afterAll(() => void (KEEP ? console.log(work) : rmSync(work, { recursive: true, force: true })));

const run = (argv: string[]) => runMain(main, argv);
const common = ['--model', model, '--bootstrap', '50', '--no-cache'];
const npy = (path: string) => decodeNpy(readFileSync(path), path);

/** recall@k and ranks straight from exported embeddings, by full sorts: the definition, outside the harness. */
function recomputed(images: Float32Array, texts: Float32Array, captionImage: Int32Array, d: number) {
  const nI = images.length / d;
  const nT = captionImage.length;
  const unit = (x: Float32Array, i: number) => {
    const row = Array.from(x.subarray(i * d, i * d + d));
    const n = Math.hypot(...row);
    return row.map((v) => v / n);
  };
  const I = Array.from({ length: nI }, (_, i) => unit(images, i));
  const T = Array.from({ length: nT }, (_, t) => unit(texts, t));
  const S = (t: number, i: number) => T[t].reduce((s, v, j) => s + v * I[i][j], 0);
  const imageRanks = T.map((_, t) => [...Array(nI).keys()].sort((a, b) => S(t, b) - S(t, a) || a - b).indexOf(captionImage[t]) + 1);
  const textRanks = I.map((_, i) => [...Array(nT).keys()].sort((a, b) => S(b, i) - S(a, i) || a - b).findIndex((t) => captionImage[t] === i) + 1);
  const recall = (ranks: number[], k: number) => ranks.filter((r) => r <= k).length / ranks.length;
  return { imageRanks, textRanks, recall };
}

describe('bench --task retrieval on captions (open_clip CSV, tab-separated)', () => {
  it('writes CLIP_benchmark-named recall@k that match a recomputation from the exported embeddings', async () => {
    const out = join(work, 'out-captions');
    const exp = join(work, 'exp-captions');
    const r = await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), ...common, '--out', out, '--export-features', exp]);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/caption retrieval, 11 captions × 6 images/);
    expect(r.out).toMatch(/image_retrieval_recall@5 +\d/);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(validateResults(res)).toEqual([]);
    expect(res.task).toBe('retrieval');
    const rec = res.retrieval![0];
    expect(Object.keys(rec.metrics)).toEqual([
      'image_retrieval_recall@1', 'image_retrieval_recall@5', 'image_retrieval_recall@10', 'image_retrieval_median_rank',
      'text_retrieval_recall@1', 'text_retrieval_recall@5', 'text_retrieval_recall@10', 'text_retrieval_median_rank',
    ]);
    const dir = join(exp, 'captions');
    const images = npy(join(dir, 'test_features.npy'));
    const texts = npy(join(dir, 'text_features.npy'));
    const captionImage = npy(join(dir, 'caption_image.npy')).data as Int32Array;
    expect(images.shape).toEqual([6, images.shape[1]]);
    expect(texts.shape).toEqual([11, images.shape[1]]);
    // captionRows() leaves out green's second caption: green (image 1) has one.
    expect(Array.from(captionImage)).toEqual([0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const ref = recomputed(images.data as Float32Array, texts.data as Float32Array, captionImage, images.shape[1]);
    for (const k of [1, 5, 10]) {
      expect(rec.metrics[`image_retrieval_recall@${k}`].mean).toBeCloseTo(ref.recall(ref.imageRanks, k), 12);
      expect(rec.metrics[`text_retrieval_recall@${k}`].mean).toBeCloseTo(ref.recall(ref.textRanks, k), 12);
    }
    for (const f of ['retrieval.csv', 'report.html', 'results.md', 'plots/captions-retrieval-recall.png']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'retrieval.csv'), 'utf8')).toMatch(/,captions,caption,none,all,text_retrieval_recall@5,/);
  });

  it('--limit keeps a seeded subset of the images with their captions; compare of a run with itself passes', async () => {
    const out = join(work, 'out-limit');
    const r = await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), '--limit', '3', ...common, '--out', out]);
    expect(r.code).toBe(0);
    const rec = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults).retrieval![0];
    expect(rec.images).toBe(3);
    expect(rec.captions).toBeGreaterThanOrEqual(3);
    expect(rec.captions).toBeLessThanOrEqual(6);
    const cmp = await runMain(compareMain, ['--reference', join(out, 'results.json'), '--candidate', join(out, 'results.json'), '--dataset', 'captions', '--out', join(work, 'cmp')]);
    expect(cmp.code).toBe(0);
    expect(cmp.out).toMatch(/top-1 changed for 0 of \d+ queries/);
    expect(cmp.out.trim().split('\n').at(-1)).toBe('PASS: no recall@k dropped more than 0.2 points');
  });

  it('--shift: each corruption of the test images is scored with the same text queries, as its own record', async () => {
    const out = join(work, 'out-shift');
    const r = await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), '--shift', 'gaussian_noise:3', ...common, '--out', out]);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(validateResults(res)).toEqual([]);
    expect(res.retrieval!.map((x) => [x.shift, x.captions])).toEqual([['none', 11], ['gaussian_noise:3', 11]]);
    expect(r.out).toMatch(/captions \[shift: gaussian_noise:3\] — /);
    const natural = await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), '--shift', 'quickdraw', ...common]);
    expect(natural.err).toMatch(/^error: --shift quickdraw: --task retrieval scores corruptions of its own test images only/);
  });

  it('compare on two stored retrieval runs: paired recall@k deltas with CIs, top-1 changes, exit 1 past --max-drop', async () => {
    const other = join(work, 'tiny-model-2');
    await writeTinyExport(other, { layout: 'transformers.js', imageSize: 32, dim: 8, seed: 2 });
    const a = join(work, 'cmp-a');
    const b = join(work, 'cmp-b');
    expect((await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), ...common, '--out', a])).code).toBe(0);
    expect((await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), '--model', other, '--bootstrap', '50', '--no-cache', '--out', b])).code).toBe(0);
    const ra = (JSON.parse(readFileSync(join(a, 'results.json'), 'utf8')) as BenchResults).retrieval![0];
    const rb = (JSON.parse(readFileSync(join(b, 'results.json'), 'utf8')) as BenchResults).retrieval![0];
    const r = await runMain(compareMain, ['--reference', a, '--candidate', b, '--dataset', 'captions', '--max-drop', '100', '--out', join(work, 'cmp-ab')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(work, 'cmp-ab', 'compare-retrieval.json'), 'utf8'));
    const d1 = json.comparisons[0].deltas.find((d: { metric: string }) => d.metric === 'image_retrieval_recall@1');
    expect(d1.delta).toBeCloseTo(rb.metrics['image_retrieval_recall@1'].mean - ra.metrics['image_retrieval_recall@1'].mean, 12);
    expect(d1.ci[0]).toBeLessThanOrEqual(d1.delta);
    const worst = Math.min(...json.comparisons[0].deltas.map((d: { delta: number }) => d.delta));
    // The two seeded tiny models differ: some recall@k drops, and most top-1 answers change.
    expect(worst).toBeLessThan(0);
    expect(json.comparisons[0].top1Changed[0].changed).toBeGreaterThan(0);
    const strict = await runMain(compareMain, ['--reference', a, '--candidate', b, '--dataset', 'captions', '--max-drop', '0', '--out', join(work, 'cmp-ab0')]);
    expect(strict.code).toBe(1);
    expect(strict.out.trim().split('\n').at(-1)).toMatch(/^FAIL: captions .*_recall@\d+ -\d+\.\d+ points < −0/);
  });

  it('a caption file naming a missing image: one error line naming it and its line, exit 2, nothing written', async () => {
    const bad = join(pics, 'missing.tsv');
    writeFileSync(bad, tsv([...captionRows(), ['gone.png', 'a lost picture']]));
    const out = join(work, 'out-missing');
    const r = await run(['--task', 'retrieval', '--dataset', bad, ...common, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: .*missing\.tsv line 13: image gone\.png does not exist .*--skip-bad skips missing images and their captions\)\n$/);
    expect(r.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('--skip-bad drops an unreadable image with its captions and says so', async () => {
    writeFileSync(join(pics, 'broken.png'), 'not a png');
    const bad = join(pics, 'broken.tsv');
    writeFileSync(bad, tsv([...captionRows(), ['broken.png', 'a broken picture'], ['broken.png', 'still broken']]));
    const refused = await run(['--task', 'retrieval', '--dataset', bad, ...common, '--out', join(work, 'out-broken')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^error: cannot read image .*broken\.png \(.*broken\.tsv line 13\): .*--skip-bad/);
    const r = await run(['--task', 'retrieval', '--dataset', bad, ...common, '--out', join(work, 'out-skip'), '--skip-bad']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/11 captions × 6 images/);
    expect(r.out).toMatch(/warning: broken: skipped unreadable image .*broken\.png .* and its captions/);
  });

  it.each([
    ['a CSV without the named columns', () => tsv([['path', 'caption'], ['red.png', 'red']]), [], /no "filepath" column in the header \(found: path, caption\); name it with --image-column/],
    ['a comma-separated file read as tab-separated', () => 'filepath,title\nred.png,red\n', [], /no "filepath" column .*is it comma-separated\? pass --separator ,/],
    ['an empty caption', () => tsv([['filepath', 'title'], ['red.png', '']]), [], /line 2: empty caption for red\.png/],
  ])('%s: one error line, exit 2', async (_, content, extra, message) => {
    const f = join(pics, `bad-${Math.random().toString(36).slice(2)}.tsv`);
    writeFileSync(f, content());
    const r = await run(['--task', 'retrieval', '--dataset', f, ...extra, ...common, '--out', join(work, `o-${Math.random()}`)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('--image-column, --caption-column and --separator read another layout', async () => {
    const f = join(pics, 'semi.csv');
    writeFileSync(f, 'img;text\n' + COLOURS.map((c) => `${c}.png;a ${c} square`).join('\n') + '\n');
    const r = await run(['--task', 'retrieval', '--dataset', f, '--image-column', 'img', '--caption-column', 'text', '--separator', ';', ...common, '--out', join(work, 'out-semi')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6 captions × 6 images/);
  });

  it('the Karpathy JSON: its test split; an image without captions is an error naming it', async () => {
    const images = COLOURS.map((c, i) => ({ filename: `${c}.png`, split: i < 4 ? 'test' : 'train', sentences: [{ raw: `a ${c} square` }, { raw: `${c}` }] }));
    writeFileSync(join(pics, 'karpathy.json'), JSON.stringify({ images }));
    const r = await run(['--task', 'retrieval', '--dataset', join(pics, 'karpathy.json'), ...common, '--out', join(work, 'out-karpathy')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/8 captions × 4 images/);
    writeFileSync(join(pics, 'nocap.json'), JSON.stringify({ images: [...images.slice(0, 3), { filename: 'black.png', split: 'test', sentences: [] }] }));
    const bad = await run(['--task', 'retrieval', '--dataset', join(pics, 'nocap.json'), ...common, '--out', join(work, 'out-nocap')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: .*nocap\.json images\[3\] \(black\.png\): an image without captions/);
  });

  it('a CLIP_benchmark retrieval webdataset (wds:<dir>) with the same images and captions gives the same recall@k as the CSV', async () => {
    const rows = captionRows().slice(1);
    const samples = COLOURS.map((c) => ({ ext: 'png', image: readFileSync(join(pics, `${c}.png`)), captions: rows.filter((r) => r[0] === `${c}.png`).map((r) => r[1]) }));
    const wds = join(work, 'wds_colours');
    await writeAsRetrievalWebdataset(wds, samples, { shards: 2 });
    const [a, b] = [join(work, 'out-wds'), join(work, 'out-wds-csv')];
    const r = await run(['--task', 'retrieval', '--dataset', `wds:${wds}`, ...common, '--out', a]);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.out).toMatch(/caption retrieval, 11 captions × 6 images/);
    expect((await run(['--task', 'retrieval', '--dataset', join(pics, 'captions.tsv'), ...common, '--out', b])).code).toBe(0);
    const [ra, rb] = [a, b].map((d) => (JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as BenchResults).retrieval![0]);
    expect(ra.dataset).toBe('wds_colours');
    expect((ra.provenance as { files?: { path: string }[] }).files!.map((f) => f.path)).toEqual(['test/0.tar', 'test/1.tar']);
    for (const [m, v] of Object.entries(rb.metrics)) expect(ra.metrics[m].mean).toBe(v.mean);
  });
});

describe('bench --task retrieval on a labelled set (class retrieval)', () => {
  it('each class prompt queries the test images: mAP, P@k, R@k per class, the report and the AP plot', async () => {
    const out = join(work, 'out-class');
    const r = await run(['--task', 'retrieval', '--dataset', folder, ...common, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/class retrieval, 2 class queries over 6 test images/);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(validateResults(res)).toEqual([]);
    const rec = res.retrieval![0];
    expect(rec.kind).toBe('class');
    expect(rec.perClass!.map((c) => [c.class, c.relevant])).toEqual([['a', 3], ['b', 3]]);
    expect(rec.metrics.mAP.mean).toBeCloseTo((rec.perClass![0].ap.mean + rec.perClass![1].ap.mean) / 2, 12);
    // With 3 relevant of 6, recall@5 ≥ 2/3 whatever the ranking, and P@5 ≤ 3/5.
    expect(rec.metrics['recall@5'].mean).toBeGreaterThanOrEqual(2 / 3);
    expect(rec.metrics['precision@5'].mean).toBeLessThanOrEqual(3 / 5);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<h2 id="retrieval">Retrieval<\/h2>/);
    expect(readdirSync(join(out, 'plots')).filter((f) => f.endsWith('-retrieval-ap.png'))).toHaveLength(1);
  });

  it('--shots and caption flags without --task retrieval are refused before any work', async () => {
    const a = await run(['--task', 'retrieval', '--dataset', folder, '--shots', '4', ...common]);
    expect(a.err).toBe('error: --shots trains linear probes, which --task retrieval does not; drop --shots\n');
    const b = await run(['--dataset', folder, '--caption-column', 'x', ...common]);
    expect(b.err).toBe('error: --caption-column reads caption files, which only --task retrieval uses\n');
  });
});
