/**
 * CSV manifest layout: a header row with `path,label` and optionally `split` (other columns are
 * ignored). Paths are relative to the CSV's folder (absolute paths also work); labels are class
 * names; split is train, val or test, default test. Rows keep their manifest order, which is the
 * index order of each split.
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../../util/errors.ts';
import { readTextFile } from '../../util/text-file.ts';
import { SPLITS, type Split } from '../types.ts';
import { assignClasses, type ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { DatasetFormat } from './format.ts';

const REQUIRED = ['path', 'label'] as const;

export async function listCsvManifest(csvPath: string, specs: ClassSpec[] | undefined, specsFile: string | undefined): Promise<{ classes: string[]; files: ListedFile[] }> {
  const text = await readTextFile(csvPath, 'CSV manifest');
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, info: true }) as unknown as typeof rows;
  } catch (e) {
    throw new UserError(`${csvPath}: not a readable CSV file (${(e as Error).message})`);
  }
  if (rows.length === 0) throw new UserError(`${csvPath}: empty; expected a header row "path,label[,split]" and one row per image`);

  const header = rows[0].record.map((h) => h.toLowerCase());
  for (const col of REQUIRED) {
    if (!header.includes(col)) {
      throw new UserError(`${csvPath}: no "${col}" column in the header (found: ${rows[0].record.join(', ') || 'nothing'}); the header must name path,label[,split]`);
    }
  }
  const col = { path: header.indexOf('path'), label: header.indexOf('label'), split: header.indexOf('split') };
  if (rows.length === 1) throw new UserError(`${csvPath}: a header but no rows; add one row per image`);

  const base = dirname(csvPath);
  const rowsOut: (ListedFile & { key: string })[] = [];
  const firstLine = new Map<string, number>();
  const labelLine = new Map<string, number>();
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    const at = `${csvPath} line ${line}`;
    const value = record[col.path] ?? '';
    const key = record[col.label] ?? '';
    if (value === '') throw new UserError(`${at}: empty path`);
    if (key === '') throw new UserError(`${at}: empty label for "${value}"; every row needs a class name`);
    const splitText = col.split >= 0 ? (record[col.split] ?? '').toLowerCase() : '';
    if (splitText !== '' && !(SPLITS as readonly string[]).includes(splitText)) {
      throw new UserError(`${at}: split "${record[col.split]}" is not one of ${SPLITS.join(', ')} (empty means test)`);
    }
    const path = isAbsolute(value) ? value : join(base, value);
    const s = await stat(path).catch(() => undefined);
    if (!s) throw new UserError(`${at}: path "${value}" does not exist (relative paths are read from ${base || '.'})`);
    if (!s.isFile()) throw new UserError(`${at}: path "${value}" is not a file`);
    const rel = relative(base, path).split(sep).join('/');
    const dup = firstLine.get(path);
    if (dup !== undefined) throw new UserError(`${at}: "${value}" is listed again (first at line ${dup}); each image may appear once`);
    firstLine.set(path, line);
    if (!labelLine.has(key)) labelLine.set(key, line);
    rowsOut.push({ split: (splitText || 'test') as Split, rel, path, label: -1, origin: at, key });
  }

  const { classes, indexOf } = assignClasses(
    rowsOut.map((r) => r.key),
    specs,
    specsFile,
    (key) => `${csvPath} line ${labelLine.get(key)}`,
  );
  const files = rowsOut.map(({ key, ...f }) => ({ ...f, label: indexOf.get(key)! }));
  return { classes, files };
}

/** `csv:<file>`, and any `.csv` file given with no prefix (the prefix reads a manifest of another name). */
export const CSV_MANIFEST: DatasetFormat = {
  name: 'csv',
  describe: 'a .csv manifest',
  noun: 'a .csv manifest',
  probe: (path, stats) => stats.isFile() && path.toLowerCase().endsWith('.csv'),
  accepts: (stats) => stats.isFile() || 'not a file',
  sidecars: false,
  list: listCsvManifest,
};
