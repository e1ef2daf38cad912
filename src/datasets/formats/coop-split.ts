/**
 * CoOp split files (KaiyangZhou/CoOp `datasets/*.py`, `read_split`): `split_zhou_<Name>.json` holds
 *   { "train": [[impath, label, classname], …], "val": […], "test": […] }
 * with impath relative to the dataset's image folder (CoOp's `image_dir`, the `<root>` given here) and
 * class names written with underscores (CoOp reads them as spaces in its prompts). Rows keep the
 * file's order, which is each split's index order. `--split-file` names the file; a bare name is also
 * looked for in `<root>` and the folder above it (where CoOp keeps it, beside `images/`).
 * The `val` list is the probes' validation pool (Dataset.validationSplit), as in CoOp.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { SPLITS, type Split } from '../types.ts';
import { displayName, type ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { DatasetFormat, FormatOptions, ListedDataset } from './format.ts';

type Row = [string, number, string];

export async function listCoopSplit(root: string, specs: ClassSpec[] | undefined, specsFile: string | undefined, opts: FormatOptions = {}): Promise<ListedDataset> {
  if (!opts.splitFile) throw new UserError(`coop:${root} needs --split-file split_zhou_<Name>.json (CoOp's train/val/test lists)`);
  const file = await findSplitFile(root, opts.splitFile);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not a readable JSON split file (${(e as Error).message})`);
  }
  const names = new Map<number, string>();
  const files: ListedFile[] = [];
  const missing: string[] = [];
  for (const split of SPLITS) {
    const rows = (doc as Record<string, unknown>)?.[split];
    if (rows === undefined) continue;
    if (!Array.isArray(rows)) throw new UserError(`${file}: "${split}" is not a list of [image path, label, class name]`);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const at = `${file} ${split}[${i}]`;
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Number.isInteger(row[1]) || row[1] < 0 || typeof row[2] !== 'string') {
        throw new UserError(`${at}: expected [image path, label, class name], got ${JSON.stringify(row).slice(0, 80)}`);
      }
      const [impath, label, classname] = row;
      const name = displayName(classname);
      const known = names.get(label);
      if (known !== undefined && known !== name) throw new UserError(`${at}: label ${label} is "${classname}", but earlier rows call it "${known}"`);
      names.set(label, name);
      const path = isAbsolute(impath) ? impath : join(root, impath);
      if (!(await stat(path).catch(() => undefined))?.isFile()) missing.push(impath);
      files.push({ split: split as Split, rel: impath, path, label, origin: at });
    }
  }
  if (missing.length > 0) {
    throw new UserError(
      `${file} names ${missing.length} image(s) missing under ${root} (first: ${missing[0]}); pass the folder the paths are relative to (CoOp's image_dir) as coop:<dir>, or download the missing images`,
    );
  }
  if (files.length === 0) throw new UserError(`${file}: no train, val or test rows`);
  const n = Math.max(...names.keys()) + 1;
  const gap = Array.from({ length: n }, (_, i) => i).find((i) => !names.has(i));
  if (gap !== undefined) throw new UserError(`${file}: no row has label ${gap}; labels must run 0–${n - 1} with a class name each`);
  let classes = Array.from({ length: n }, (_, i) => names.get(i)!);
  if (specs) {
    if (specs.length !== n) throw new UserError(`${specsFile}: ${specs.length} classes, but ${file} has ${n}; give one name per label, in label order`);
    classes = specs.map((s) => s.name);
  }
  // CoOp draws the few-shot validation rows from this list (min(k, 4) per class), not from train.
  return { classes, files, validationSplit: files.some((f) => f.split === 'val') ? 'val' : undefined };
}

async function findSplitFile(root: string, given: string): Promise<string> {
  const candidates = isAbsolute(given) || given.includes('/') ? [given] : [given, join(root, given), join(dirname(root), given)];
  for (const c of candidates) if ((await stat(c).catch(() => undefined))?.isFile()) return c;
  throw new UserError(`--split-file ${given} not found (looked in ., ${root} and ${dirname(root)}); CoOp's split files are split_zhou_<Name>.json, e.g. ${basename(given)}`);
}

/** `coop:<image dir> --split-file split_zhou_<Name>.json`; never probed (the split file is what says it is CoOp). */
export const COOP_SPLIT: DatasetFormat = {
  name: 'coop',
  describe: "a CoOp image folder with --split-file split_zhou_<Name>.json",
  noun: 'a folder',
  probe: () => false,
  prefixOnly: true,
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: listCoopSplit,
};
