/**
 * Captioned image sets for caption retrieval: images, their captions, and each caption's image.
 *
 * - open_clip's CSV (`--csv-img-key filepath --csv-caption-key title --csv-separator "\t"` in open_clip's
 *   training data): one row per caption, tab-separated by default; rows naming the same image share it.
 * - The COCO / Flickr30k Karpathy split JSON (`dataset_coco.json`): `images[]` with `filepath` (optional),
 *   `filename`, `split` and `sentences[].raw`; the `test` split by default (`--split`).
 *
 * Images are fingerprinted like a user folder's (an unreadable one stops the open naming it and the line
 * that named it, or is skipped with --skip-bad, its captions with it); the images form the test split of
 * a Dataset, so feature extraction and its cache work unchanged.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';
import type { ContainerFile, ListedCaption } from './formats/format.ts';
import type { Dataset } from './types.ts';
import { UserFilesDataset } from './user/dataset.ts';
import { fingerprintFiles, type ListedFile, type SkippedFile } from './user/listing.ts';

export interface CaptionOptions {
  /** CSV columns (open_clip's defaults: filepath, title) and separator (default tab). */
  imageColumn?: string;
  captionColumn?: string;
  separator?: string;
  /** Karpathy JSON split (default test). */
  split?: string;
  /** Folder the image paths are relative to (default: the caption file's folder). */
  imageRoot?: string;
  skipBad?: boolean;
}

export interface CaptionedSet {
  name: string;
  /** The images, as the test split of a one-class Dataset (labels are all 0). */
  images: Dataset;
  captions: string[];
  /** Row in `images`' test split of each caption's image. */
  captionImage: Int32Array;
  skipped: readonly SkippedFile[];
}

interface CaptionRow {
  image: string;
  caption: string;
  origin: string;
}

/** Whether a --dataset value names a caption file this module reads (by prefix or extension). */
export function isCaptionFile(ref: string): boolean {
  return /^(captions|karpathy):/.test(ref) || /\.(tsv|json)$/i.test(ref) || (/\.csv$/i.test(ref) && !ref.startsWith('csv:'));
}

function csvRows(path: string, text: string, opts: CaptionOptions): CaptionRow[] {
  const sep = opts.separator ?? '\t';
  const imageCol = opts.imageColumn ?? 'filepath';
  const captionCol = opts.captionColumn ?? 'title';
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, delimiter: sep, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, info: true }) as unknown as typeof rows;
  } catch (e) {
    throw new UserError(`${path}: not a readable ${sep === '\t' ? 'tab' : JSON.stringify(sep)}-separated file (${(e as Error).message}); --separator sets the separator`);
  }
  if (rows.length === 0) throw new UserError(`${path}: empty; expected a header naming the "${imageCol}" and "${captionCol}" columns and one row per caption`);
  const header = rows[0].record.map((h) => h.trim());
  const at = { image: header.indexOf(imageCol), caption: header.indexOf(captionCol) };
  for (const [flag, col, i] of [['--image-column', imageCol, at.image], ['--caption-column', captionCol, at.caption]] as const)
    if (i < 0) throw new UserError(`${path}: no "${col}" column in the header (found: ${header.join(', ') || 'nothing'}${header.length === 1 && sep === '\t' ? '; is it comma-separated? pass --separator ,' : ''}); name it with ${flag}`);
  return rows.slice(1).map(({ record, info }) => ({ image: (record[at.image] ?? '').trim(), caption: (record[at.caption] ?? '').trim(), origin: `${path} line ${info.lines}` }));
}

function karpathyRows(path: string, text: string, opts: CaptionOptions): CaptionRow[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not JSON (${(e as Error).message})`);
  }
  const images = (json as { images?: unknown }).images;
  if (!Array.isArray(images)) throw new UserError(`${path}: no "images" array; expected the Karpathy split JSON (images[].filename, split, sentences[].raw)`);
  const split = opts.split ?? 'test';
  const out: CaptionRow[] = [];
  images.forEach((im: { filepath?: string; filename?: string; split?: string; sentences?: { raw?: string }[] }, i) => {
    if (im.split !== split) return;
    const origin = `${path} images[${i}]`;
    if (typeof im.filename !== 'string' || !im.filename) throw new UserError(`${origin}: no "filename"`);
    const image = im.filepath ? `${im.filepath}/${im.filename}` : im.filename;
    const sentences = Array.isArray(im.sentences) ? im.sentences : [];
    if (sentences.length === 0) throw new UserError(`${origin} (${image}): an image without captions; text retrieval for it is undefined: remove it or give it captions`);
    for (const s of sentences) out.push({ image, caption: (s.raw ?? '').trim(), origin });
  });
  if (out.length === 0) throw new UserError(`${path}: no image in split "${split}" (--split chooses: ${[...new Set(images.map((im: { split?: string }) => im.split))].join(', ')})`);
  return out;
}

/** Opens a caption file: `captions:<file>` / a .csv or .tsv (open_clip CSV), `karpathy:<file>` / a .json. */
export async function openCaptionedSet(ref: string, opts: CaptionOptions = {}): Promise<CaptionedSet> {
  const m = /^(captions|karpathy):(.*)$/.exec(ref);
  const path = resolve(m ? m[2] : ref);
  const kind = m ? m[1] : /\.json$/i.test(path) ? 'karpathy' : 'captions';
  const text = await readTextFile(path, 'caption file');
  const rows = kind === 'karpathy' ? karpathyRows(path, text, opts) : csvRows(path, text, opts);
  if (rows.length === 0) throw new UserError(`${path}: a header but no captions; add one row per caption`);
  const root = resolve(opts.imageRoot ?? dirname(path));
  // Images in order of first mention; each row's caption joins its image.
  const index = new Map<string, number>();
  const files: ListedFile[] = [];
  const captions: ListedCaption[] = [];
  for (const r of rows) {
    if (r.image === '') throw new UserError(`${r.origin}: empty image path`);
    if (r.caption === '') throw new UserError(`${r.origin}: empty caption for ${r.image}; every caption needs text`);
    if (!index.has(r.image)) {
      const abs = isAbsolute(r.image) ? r.image : join(root, r.image);
      const s = await stat(abs).catch(() => undefined);
      if (!s?.isFile() && !opts.skipBad) throw new UserError(`${r.origin}: image ${r.image} ${s ? 'is not a file' : 'does not exist'} (paths are read from ${root}; --image-root sets the folder, --skip-bad skips missing images and their captions)`);
      index.set(r.image, files.length);
      files.push({ split: 'test', rel: r.image, path: abs, label: 0, origin: r.origin });
    }
    captions.push({ file: index.get(r.image)!, caption: r.caption });
  }
  const name = basename(path).replace(/\.(csv|tsv|json)$/i, '');
  return assembleCaptionedSet({ name, kind, path, files, captions, skipBad: opts.skipBad ?? false });
}

/**
 * The images fingerprinted (an unreadable one stops the open, or with skipBad is dropped with its captions)
 * and shaped as a CaptionedSet: every caption reader (CSV, Karpathy JSON, webdataset) ends here.
 */
export async function assembleCaptionedSet(a: { name: string; kind: string; path: string; files: ListedFile[]; captions: ListedCaption[]; skipBad: boolean; containers?: ContainerFile[] }): Promise<CaptionedSet> {
  const { files: kept, skipped } = await fingerprintFiles(a.files, { skipBad: a.skipBad, label: a.path });
  if (kept.length === 0) throw new UserError(`${a.path}: every image was unreadable and skipped; nothing left to evaluate`);
  const keptRow = new Map(kept.map((f, i) => [f.rel, i]));
  const captions: string[] = [];
  const captionImage: number[] = [];
  for (const c of a.captions) {
    const row = keptRow.get(a.files[c.file].rel);
    if (row === undefined) continue;
    captions.push(c.caption);
    captionImage.push(row);
  }
  const images = new UserFilesDataset(a.name, a.kind, a.path, ['image'], ['{}'], kept, skipped, a.skipBad, a.containers);
  return { name: a.name, images, captions, captionImage: Int32Array.from(captionImage), skipped };
}
