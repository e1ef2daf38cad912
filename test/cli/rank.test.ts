import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { main } from '../../src/cli/rank.ts';
import { openModel } from '../../src/model/resolve.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';

const work = mkdtempSync(join(tmpdir(), 'cb-cli-rank-'));
const model = join(work, 'tiny-model');
const pics = join(work, 'pics');
const N = 5;
beforeAll(async () => {
  await writeTinyExport(model, { layout: 'transformers.js', imageSize: 32, dim: 8 });
  mkdirSync(pics);
  for (let i = 0; i < N; i++) await sharp(Buffer.from(Array.from({ length: 12 * 12 * 3 }, (_, p) => (p * (i + 3) * 7) % 256)), { raw: { width: 12, height: 12, channels: 3 } }).png().toFile(join(pics, `g${i}.png`));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const common = ['--model', model, '--no-cache'];
const run = (argv: string[]) => runMain(main, [...argv, ...common]);
const csvRows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

describe('npm run rank', () => {
  it('ranks a folder of images for a text: ranked.csv/json best first, and a contact sheet of the top k', async () => {
    const out = join(work, 'out-images');
    const r = await run(['--text', 'a photo of a dog', '--images', pics, '--top', '3', '--out', out]);
    expect(r.err).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const rows = csvRows(join(out, 'ranked.csv'));
    expect(rows.map((x) => x[0])).toEqual(['1', '2', '3', '4', '5']);
    const cos = rows.map((x) => Number(x[2]));
    expect([...cos].sort((a, b) => b - a)).toEqual(cos);
    const json = JSON.parse(readFileSync(join(out, 'ranked.json'), 'utf8'));
    expect(json.text).toBe('a photo of a dog');
    const png = await sharp(join(out, 'contact-sheet.png')).metadata();
    expect(png.width).toBeGreaterThan(3 * 200);
  });

  it('ranks texts for one image', async () => {
    writeFileSync(join(work, 'prompts.txt'), 'a dog\na cat\na red car\n');
    const r = await run(['--texts', join(work, 'prompts.txt'), '--image', join(pics, 'g0.png'), '--out', join(work, 'out-texts')]);
    expect(r.code).toBe(0);
    expect(csvRows(join(work, 'out-texts', 'ranked.csv')).map((x) => x[1]).sort()).toEqual(['a cat', 'a dog', 'a red car']);
  });

  it('--score: CLIPScore = 2.5·max(cos, 0) of the image and "A photo depicts " + prompt, cosines as the model gives them', async () => {
    writeFileSync(join(pics, 'pairs.csv'), 'image,prompt,reference_1,reference_2\ng0.png,a dog,a puppy,a hound\ng1.png,a cat,,\ng2.png,a red car,a car,\n');
    const out = join(work, 'out-score');
    const r = await run(['--score', join(pics, 'pairs.csv'), '--out', out, '--bootstrap', '200']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mean clip_score \d\.\d{4} \[95% CI \d\.\d{4}, \d\.\d{4}\] over 3 pairs \(2\.5 \* max\(cos, 0\), prompt prefixed "A photo depicts "/);
    const json = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'));
    const m = await openModel(model, { allowUnverified: true });
    try {
      const texts = await m.encodeTexts(['A photo depicts a dog', 'A photo depicts a cat', 'A photo depicts a red car', 'A photo depicts a puppy', 'A photo depicts a hound', 'A photo depicts a car']);
      const d = texts.length / 6;
      const unit = (x: Float32Array, i: number) => {
        const v = Array.from(x.subarray(i * d, i * d + d));
        const n = Math.hypot(...v);
        return v.map((a) => a / n);
      };
      const cos = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j], 0);
      for (const [i, row] of json.rows.entries()) expect(row.score).toBeCloseTo(2.5 * Math.max(row.cosine, 0), 10);
      // RefCLIPScore of row 0: harmonic mean with the better of its two references (text-text cosines, prefixed).
      const r0 = Math.max(cos(unit(texts, 0), unit(texts, 3)), cos(unit(texts, 0), unit(texts, 4)));
      const c0 = json.rows[0].score;
      expect(json.rows[0].refScore).toBeCloseTo((2 * c0 * r0) / (c0 + r0), 5);
      expect(json.rows[1].refScore).toBeNull();
    } finally {
      await m.release();
    }
    expect(json.clip_score.mean).toBeCloseTo(json.rows.reduce((s: number, x: { score: number }) => s + x.score, 0) / 3, 10);
    const tm = await run(['--score', join(pics, 'pairs.csv'), '--convention', 'torchmetrics', '--out', join(work, 'out-tm'), '--bootstrap', '50']);
    expect(tm.out).toMatch(/mean clip_score_torchmetrics /);
    const tj = JSON.parse(readFileSync(join(work, 'out-tm', 'scores.json'), 'utf8'));
    for (const row of tj.rows) expect(row.score).toBeCloseTo(100 * row.cosine, 8);
    // No prefix: the prompt embedding differs, so the cosine does too.
    expect(tj.rows[0].cosine).not.toBeCloseTo(json.rows[0].cosine, 6);
  });

  it.each([
    ['--top larger than the images', () => ['--text', 'x', '--images', pics, '--top', '9'], /^error: --top 9 is more than the 5 images in .*; use at most 5\n$/],
    ['an empty --text', () => ['--text', ' ', '--images', pics], /^error: --text is empty/],
    ['an empty prompt in the pairs', () => (writeFileSync(join(work, 'p1.csv'), 'image,prompt\npics/g0.png,\n'), ['--score', join(work, 'p1.csv')]), /^error: .*p1\.csv line 2: an empty prompt for pics\/g0\.png/],
    ['pairs without a prompt column', () => (writeFileSync(join(work, 'p2.csv'), 'image,caption\npics/g0.png,x\n'), ['--score', join(work, 'p2.csv')]), /^error: --score .*p2\.csv: no "prompt" column in the header \(found: image, caption\)/],
    ['a missing image in the pairs', () => (writeFileSync(join(work, 'p3.csv'), 'image,prompt\npics/nope.png,a dog\n'), ['--score', join(work, 'p3.csv')]), /^error: cannot read image .*nope\.png \(.*p3\.csv line 2\): ENOENT; fix or remove it, or pass --skip-bad/],
    ['an empty line in --texts', () => (writeFileSync(join(work, 't.txt'), 'a dog\n\na cat\n'), ['--texts', join(work, 't.txt'), '--image', join(pics, 'g0.png')]), /^error: --texts .*t\.txt line 2: an empty prompt/],
  ])('%s: one error line, exit 2, nothing written', async (_, argv, message) => {
    const out = join(work, `o-${Math.random().toString(36).slice(2)}`);
    const r = await run([...argv(), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('--help shows the three uses with examples', async () => {
    const r = await runMain(main, ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/npm run rank -- --text "a photo of a dog" --images generated\/ --top 32/);
    expect(r.out).toMatch(/--convention/);
  });
});
