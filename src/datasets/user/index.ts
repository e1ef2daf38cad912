/**
 * The user's own data as a Dataset, in any of the formats of ../formats/ (a folder of class folders,
 * a CSV manifest; `<format>:<path>` names one, else the path's layout picks it). Opening lists the
 * files deterministically and fingerprints every one of them (see listing.ts); images are decoded
 * only when read.
 *
 * Class names and order: classes.ts. Templates: `templatesFile`, else `templates.json` at a
 * folder's root, else ['a photo of a {}.']; a JSON array of strings, each with `{}`.
 * For folders, `classes.txt` at the root is used when no `classesFile` is given. A CSV manifest
 * takes both only from the options (its folder may hold unrelated files): DatasetFormat.sidecars.
 * Unreadable images stop the open with an error naming the file, unless `skipBad`, which drops
 * them and lists them in `skipped`.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../util/errors.ts';
import type { ProgressOptions } from '../../util/progress.ts';
import { readTemplates } from '../list-files.ts';
import { readClassesFile, type ClassSpec } from './classes.ts';
import { pickFormat } from '../formats/index.ts';
import type { KnownHashes } from '../formats/format.ts';
import { UserFilesDataset, type UserDataset } from './dataset.ts';
import { fingerprintFiles } from './listing.ts';
import { borderCropped } from './border-crop.ts';

export type { UserDataset } from './dataset.ts';
export type { SkippedFile } from './listing.ts';

export const DEFAULT_USER_TEMPLATES: readonly string[] = ['a photo of a {}.'];

export interface UserDatasetOptions {
  skipBad?: boolean;
  templatesFile?: string;
  classesFile?: string;
  /** Parquet's --image-column and --label-column. */
  imageColumn?: string;
  labelColumn?: string;
  /** CoOp's --split-file. */
  splitFile?: string;
  /** SHA-256s already known for container files (a hub snapshot's, by path in the repository): not hashed again. */
  knownSha256?: KnownHashes;
  /** Progress of fingerprinting; default: shown only for large datasets. */
  progress?: ProgressOptions;
}

export async function openUserDataset(arg: string, opts: UserDatasetOptions = {}): Promise<UserDataset> {
  const { format, path } = await pickFormat(arg);
  const abs = resolve(path);
  const classesFile = opts.classesFile ?? (format.sidecars ? await existing(join(abs, 'classes.txt')) : undefined);
  const templatesFile = opts.templatesFile ?? (format.sidecars ? await existing(join(abs, 'templates.json')) : undefined);
  const specs: ClassSpec[] | undefined = classesFile ? await readClassesFile(classesFile) : undefined;
  const listed = await format.list(abs, specs, classesFile, { imageColumn: opts.imageColumn, labelColumn: opts.labelColumn, splitFile: opts.splitFile, knownSha256: opts.knownSha256 });
  const templates = templatesFile ? await readTemplates(templatesFile) : (listed.templates ?? DEFAULT_USER_TEMPLATES);
  const skipBad = opts.skipBad ?? false;
  const { files, skipped } = await fingerprintFiles(listed.files, { skipBad, label: path, progress: opts.progress });
  if (files.length === 0) throw new UserError(`${path}: every image was unreadable and skipped; nothing left to evaluate`);
  const name = path.replace(/[\\/]+$/, '') || path;
    const ds = new UserFilesDataset(name, format.name, abs, listed.classes, templates, files, skipped, skipBad, listed.containers, listed.validationSplit);
    return listed.cropBorder ? borderCropped(ds, listed.cropBorder) : ds;
}

async function existing(path: string): Promise<string | undefined> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? path : undefined;
}
