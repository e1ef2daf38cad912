/**
 * A plain list of image files (a folder of images to rank, the images of a CLIPScore pairs file) as the test
 * split of a one-class Dataset, fingerprinted like a user folder so feature extraction and its cache apply.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { isImageName } from './formats/image-folder.ts';
import type { Dataset } from './types.ts';
import { UserFilesDataset } from './user/dataset.ts';
import { fingerprintFiles, type ListedFile, type SkippedFile } from './user/listing.ts';

export interface ImageList {
  images: Dataset;
  /** Path of each test row. */
  paths: string[];
  skipped: readonly SkippedFile[];
}

/** The images directly in `dir` (by extension, sorted by name); `flag` names it in errors. */
export async function listImageFolder(dir: string, flag: string): Promise<string[]> {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new UserError(`${flag} ${dir}: ${s ? 'not a folder' : 'no such folder'}; give a folder of images`);
  const names = (await readdir(dir)).filter(isImageName).sort();
  if (names.length === 0) throw new UserError(`${flag} ${dir}: no images (.png, .jpg, .jpeg, .webp) in this folder`);
  return names.map((n) => join(dir, n));
}

/** Opens image paths (each with where it was named, for errors) as a Dataset; --skip-bad drops unreadable ones. */
export async function openImageList(name: string, items: { path: string; origin?: string }[], skipBad: boolean): Promise<ImageList> {
  const files: ListedFile[] = items.map((it) => ({ split: 'test', rel: it.path, path: resolve(it.path), label: 0, origin: it.origin }));
  const { files: kept, skipped } = await fingerprintFiles(files, { skipBad, label: name });
  if (kept.length === 0) throw new UserError(`${name}: every image was unreadable and skipped; nothing left to score`);
  return { images: new UserFilesDataset(name, 'images', resolve(name), ['image'], ['{}'], kept, skipped, skipBad), paths: kept.map((f) => f.rel), skipped };
}
