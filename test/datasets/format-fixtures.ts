/**
 * One small labelled image set written in several layouts (an image folder, a CLIP_benchmark
 * webdataset), so tests can check that every reader yields the same images, labels and results.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tar from 'tar';
import type { Split } from '../../src/datasets/types.ts';
import { writeTree } from './user-fixtures.ts';

export interface Sample {
  split: Split;
  label: number;
  /** Lossless encodings only (webp lossless, png): every layout must decode to the same pixels. */
  format: 'webp' | 'png';
  image: Buffer;
}

/** Seeded noise-and-gradient images, distinct per sample, so that order and pixels are checked. */
export async function makeSamples(opts: { classes: number; perClass: Partial<Record<Split, number>>; size?: number; seed?: number }): Promise<Sample[]> {
  const size = opts.size ?? 16;
  let s = opts.seed ?? 7;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const out: Sample[] = [];
  let n = 0;
  for (const [split, per] of Object.entries(opts.perClass) as [Split, number][]) {
    // Class-major, as a folder of class folders lists them: every layout then has the same index order.
    for (let label = 0; label < opts.classes; label++) {
      for (let i = 0; i < per; i++) {
        const data = Buffer.alloc(size * size * 3);
        for (let p = 0; p < size * size; p++) {
          // Class sets the dominant colour channel; noise makes every image different.
          for (let c = 0; c < 3; c++) data[p * 3 + c] = (c === label % 3 ? 150 : 40) + ((label * 37 + (p % size) * 4) % 60) + (rand() % 40);
        }
        const format = n++ % 2 === 0 ? 'webp' : 'png';
        const img = sharp(data, { raw: { width: size, height: size, channels: 3 } });
        const image = format === 'webp' ? await img.webp({ lossless: true }).toBuffer() : await img.png().toBuffer();
        out.push({ split, label, format, image });
      }
    }
  }
  return out;
}

/** The samples as root/<split>/<class>/<nnnnn>.<ext>, in the same order a webdataset holds them. */
export async function writeAsFolder(root: string, samples: Sample[], classes: string[]): Promise<void> {
  const files: Record<string, Buffer> = {};
  samples.forEach((x, i) => (files[`${x.split}/${classes[x.label]}/${String(i).padStart(5, '0')}.${x.format}`] = x.image));
  await writeTree(root, files);
}

/**
 * The samples in CLIP_benchmark's webdataset layout: `shards` tar files per split, keys s%07d,
 * image member .webp or .png, label member .cls, nshards.txt, classnames.txt and templates.
 * `mutate` may change a sample's members before packing (bad-input tests).
 */
export async function writeAsWebdataset(
  root: string,
  samples: Sample[],
  classes: string[],
  opts: { shards?: number; templates?: string[]; mutate?: (split: Split, key: string, members: Record<string, Buffer | string>) => void } = {},
): Promise<void> {
  const shards = opts.shards ?? 3;
  await writeTree(root, {
    'classnames.txt': classes.join('\n') + '\n',
    'zeroshot_classification_templates.txt': (opts.templates ?? ['a photo of a {c}.', 'a blurry photo of a {c}.']).join('\n') + '\n',
  });
  const splits = [...new Set(samples.map((x) => x.split))];
  for (const split of splits) {
    const rows = samples.filter((x) => x.split === split);
    const per = Math.ceil(rows.length / shards);
    const used = Math.ceil(rows.length / per);
    for (let k = 0; k < used; k++) {
      const stage = join(root, `.stage-${split}-${k}`);
      await mkdir(stage, { recursive: true });
      const names: string[] = [];
      for (let i = k * per; i < Math.min(rows.length, (k + 1) * per); i++) {
        const key = `s${String(i).padStart(7, '0')}`;
        const members: Record<string, Buffer | string> = { [rows[i].format]: rows[i].image, cls: String(rows[i].label) };
        opts.mutate?.(split, key, members);
        for (const [ext, body] of Object.entries(members)) {
          await writeFile(join(stage, `${key}.${ext}`), body);
          names.push(`${key}.${ext}`);
        }
      }
      await mkdir(join(root, split), { recursive: true });
      await tar.c({ file: join(root, split, `${k}.tar`), cwd: stage, portable: true, mtime: new Date(0) }, names);
      await rm(stage, { recursive: true });
    }
    await writeFile(join(root, split, 'nshards.txt'), `${used}\n`);
  }
}
