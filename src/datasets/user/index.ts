/**
 * The user's own data as a Dataset: a folder of class folders, or a CSV manifest (see folder.ts,
 * csv.ts). Opening lists the files deterministically and fingerprints every one of them (see
 * listing.ts); images are decoded only when read.
 *
 * Class names and order: classes.ts. Templates: `templatesFile`, else `templates.json` at a
 * folder's root, else ['a photo of a {}.']; a JSON array of strings, each with `{}`.
 * For folders, `classes.txt` at the root is used when no `classesFile` is given. A CSV manifest
 * takes both only from the options (its folder may hold unrelated files).
 * Unreadable images stop the open with an error naming the file, unless `skipBad`, which drops
 * them and lists them in `skipped`.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../util/errors.ts';
import type { ProgressOptions } from '../../util/progress.ts';
import { readTemplates } from '../list-files.ts';
import { readClassesFile, type ClassSpec } from './classes.ts';
import { listCsvManifest } from './csv.ts';
import { UserFilesDataset, type UserDataset } from './dataset.ts';
import { listImageFolder } from './folder.ts';
import { fingerprintFiles } from './listing.ts';

export type { UserDataset } from './dataset.ts';
export type { SkippedFile } from './listing.ts';

export const DEFAULT_USER_TEMPLATES: readonly string[] = ['a photo of a {}.'];

export interface UserDatasetOptions {
  skipBad?: boolean;
  templatesFile?: string;
  classesFile?: string;
  /** Progress of fingerprinting; default: shown only for large datasets. */
  progress?: ProgressOptions;
}

export async function openUserDataset(path: string, opts: UserDatasetOptions = {}): Promise<UserDataset> {
  const abs = resolve(path);
  const s = await stat(abs).catch(() => undefined);
  if (!s) throw new UserError(`dataset path ${path} does not exist; give a folder of class folders or a .csv manifest`);
  const isCsv = s.isFile() && abs.toLowerCase().endsWith('.csv');
  if (!s.isDirectory() && !isCsv) throw new UserError(`${path} is neither a folder nor a .csv manifest`);

  const classesFile = opts.classesFile ?? (isCsv ? undefined : await existing(join(abs, 'classes.txt')));
  const templatesFile = opts.templatesFile ?? (isCsv ? undefined : await existing(join(abs, 'templates.json')));
  const specs: ClassSpec[] | undefined = classesFile ? await readClassesFile(classesFile) : undefined;
  const templates = templatesFile ? await readTemplates(templatesFile) : DEFAULT_USER_TEMPLATES;

  const listed = isCsv ? await listCsvManifest(abs, specs, classesFile) : await listImageFolder(abs, specs, classesFile);
  const skipBad = opts.skipBad ?? false;
  const { files, skipped } = await fingerprintFiles(listed.files, { skipBad, label: path, progress: opts.progress });
  if (files.length === 0) throw new UserError(`${path}: every image was unreadable and skipped; nothing left to evaluate`);
  const name = path.replace(/[\\/]+$/, '') || path;
  return new UserFilesDataset(name, isCsv ? 'csv' : 'folder', abs, listed.classes, templates, files, skipped, skipBad);
}

async function existing(path: string): Promise<string | undefined> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? path : undefined;
}
