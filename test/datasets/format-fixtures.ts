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

/**
 * The samples as 🤗 datasets writes them to the hub: <root>/plain_text/<split>-00000-of-00001.parquet
 * (validation for val), an image struct column {bytes, path} and an INT64 ClassLabel column, class
 * names in the `huggingface` key-value metadata (or, with `names: 'card'`, only in README.md's YAML).
 * Small row groups so that reads cross them.
 */
export async function writeAsParquet(
  root: string,
  samples: Sample[],
  classes: string[],
  opts: { imageColumn?: string; labelColumn?: string; names?: 'metadata' | 'card' | 'none'; rowGroupSize?: number; image?: boolean } = {},
): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const img = opts.imageColumn ?? 'img';
  const label = opts.labelColumn ?? 'label';
  const names = opts.names ?? 'metadata';
  const features = { [img]: { _type: 'Image' }, [label]: { names: classes, _type: 'ClassLabel' } };
  const splitName: Record<Split, string> = { train: 'train', val: 'validation', test: 'test' };
  for (const split of [...new Set(samples.map((x) => x.split))]) {
    const rows = samples.filter((x) => x.split === split);
    const withImage = opts.image ?? true;
    const buf = parquetWriteBuffer({
      columnData: [
        ...(withImage ? [{ name: img, data: rows.map((x, i) => ({ bytes: new Uint8Array(x.image), path: `${i}.${x.format}` })) }] : []),
        { name: label, data: rows.map((x) => BigInt(x.label)) },
      ],
      schema: [
        { name: 'schema', num_children: withImage ? 2 : 1 },
        ...(withImage
          ? [
              { name: img, repetition_type: 'OPTIONAL' as const, num_children: 2 },
              { name: 'bytes', type: 'BYTE_ARRAY' as const, repetition_type: 'OPTIONAL' as const },
              { name: 'path', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
            ]
          : []),
        { name: label, type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
      ],
      rowGroupSize: opts.rowGroupSize ?? 4,
      kvMetadata: names === 'metadata' ? [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }] : [],
    });
    await writeTree(root, { [`plain_text/${splitName[split]}-00000-of-00001.parquet`]: new Uint8Array(buf) });
  }
  if (names === 'card') {
    const yamlNames = classes.map((c, i) => `            '${i}': ${c}`).join('\n');
    await writeTree(root, {
      'README.md': `---\ndataset_info:\n  config_name: plain_text\n  features:\n  - name: ${img}\n    dtype: image\n  - name: ${label}\n    dtype:\n      class_label:\n        names:\n${yamlNames}\n---\n# A test dataset\n`,
    });
  }
}

/**
 * A CLIP_benchmark retrieval webdataset as its exporter writes one: dataset_type.txt "retrieval", per sample
 * key s%07d an image member and a .txt member joining the image's captions with newlines (no trailing one).
 * `txt` replaces a sample's .txt body (bad-input tests); null leaves the member out.
 */
export async function writeAsRetrievalWebdataset(
  root: string,
  samples: { ext: string; image: Buffer; captions: string[] }[],
  opts: { shards?: number; split?: Split; txt?: (key: string) => string | null | undefined } = {},
): Promise<void> {
  const split = opts.split ?? 'test';
  const per = Math.ceil(samples.length / (opts.shards ?? 2));
  const used = Math.ceil(samples.length / per);
  await writeTree(root, { 'dataset_type.txt': 'retrieval\n', [`${split}/nshards.txt`]: `${used}\n` });
  for (let k = 0; k < used; k++) {
    const stage = join(root, `.stage-${k}`);
    await mkdir(stage, { recursive: true });
    const names: string[] = [];
    for (let i = k * per; i < Math.min(samples.length, (k + 1) * per); i++) {
      const key = `s${String(i).padStart(7, '0')}`;
      const txt = opts.txt?.(key);
      const members: Record<string, Buffer | string> = { [samples[i].ext]: samples[i].image, ...(txt === null ? {} : { txt: txt ?? samples[i].captions.join('\n') }) };
      for (const [ext, body] of Object.entries(members)) {
        await writeFile(join(stage, `${key}.${ext}`), body);
        names.push(`${key}.${ext}`);
      }
    }
    await tar.c({ file: join(root, split, `${k}.tar`), cwd: stage, portable: true, mtime: new Date(0) }, names);
    await rm(stage, { recursive: true });
  }
}
