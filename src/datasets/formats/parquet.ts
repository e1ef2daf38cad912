/**
 * Hugging Face parquet layout (what 🤗 datasets' `push_to_hub` writes, and the hub's
 * `refs/convert/parquet` branch):
 *   root/<config>/<split>-00000-of-0000N.parquet     or   root/<config>/<split>/0000.parquet
 *   <root>/README.md (the dataset card; YAML `dataset_info.features[].dtype.class_label.names`), root/dataset_infos.json
 * The image column is a struct {bytes, path} (🤗 `Image` feature: `img` in CIFAR-10, `image` from
 * imagefolder), found by the file's `huggingface` metadata or by its shape; the label column a
 * ClassLabel integer. Class names come from the file's own metadata, else the card's YAML, else
 * dataset_infos.json. The split is read from the file name or its folder (train, validation → val,
 * test; neither = test). Rows keep file order (sorted paths), then row order.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../util/errors.ts';
import type { Split } from '../types.ts';
import { compareCodeUnits, type ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import { containerFile } from './container-hash.ts';
import type { ContainerFile, DatasetFormat, FormatOptions, ListedDataset } from './format.ts';
import { openParquet, ParquetImageColumn, readColumn, type ParquetFile } from './parquet-files.ts';

const SPLIT_WORDS: Record<string, Split> = { train: 'train', validation: 'val', valid: 'val', val: 'val', test: 'test' };
const INT_TYPES = new Set(['INT32', 'INT64']);

export async function listParquet(path: string, specs: ClassSpec[] | undefined, specsFile: string | undefined, opts: FormatOptions = {}): Promise<ListedDataset> {
  const isFile = (await stat(path)).isFile();
  const root = isFile ? dirname(path) : path;
  // The dataset card sits at the repository root: a file given alone may be one or two folders below it.
  const cardTop = isFile ? dirname(dirname(root)) : root;
  const paths = isFile ? [path] : await parquetFilesUnder(path);
  if (paths.length === 0) throw new UserError(`${path} holds no .parquet files`);

  const files: ListedFile[] = [];
  const containers: ContainerFile[] = [];
  let classes: string[] | undefined;
  for (const p of paths) {
    const rel = relative(root, p).split(sep).join('/');
    const split = splitOf(rel);
    const pq = await openParquet(p);
    const file = await containerFile(p, rel, split, opts.knownSha256);
    containers.push(file);
    const image = opts.imageColumn ?? findImageColumn(pq);
    const label = opts.labelColumn ?? findLabelColumn(pq);
    for (const [flag, col] of [['--image-column', image], ['--label-column', label]] as const) {
      if (!hasColumn(pq, col)) throw new UserError(`${p}: no column "${col}" (${flag}); its columns are ${pq.columns.map((c) => c.name).join(', ')}`);
    }
    classes ??= specs?.map((s) => s.name) ?? pq.features[label]?.names ?? (await namesFromCards(dirname(p), cardTop, label));
    if (!classes) throw new UserError(`${p}: no class names for "${label}" in the file's metadata, a README.md card or a dataset_infos.json beside it or above it; give them with --classes (one per line, in label order)`);
    const labels = await readColumn(pq, label);
    const images = new ParquetImageColumn(pq, image);
    labels.forEach((v, row) => {
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
      if (!Number.isInteger(n) || n < 0 || n >= classes!.length) {
        throw new UserError(`${p} row ${row}: label ${String(v)} is not a class index 0–${classes!.length - 1}${specsFile ? ` of ${specsFile}` : ''}; fix the label or the class list`);
      }
      files.push({ split, rel: `${rel}#${row}`, path: p, label: n, origin: `row ${row}`, load: () => images.get(row), containerSha256: file.sha256 });
    });
  }
  if (files.length === 0) throw new UserError(`${path}: the parquet files hold no rows`);
  return { classes: classes!, files, containers };
}

const hasColumn = (pq: ParquetFile, name: string) => pq.columns.some((c) => c.name === name);

/** The 🤗 Image column, else the one struct column with a binary `bytes` field. */
function findImageColumn(pq: ParquetFile): string {
  const byFeature = Object.entries(pq.features).find(([name, f]) => f._type === 'Image' && hasColumn(pq, name))?.[0];
  if (byFeature) return byFeature;
  const structs = pq.columns.filter((c) => c.fields.some((f) => f.name === 'bytes' && f.type === 'BYTE_ARRAY'));
  if (structs.length === 1) return structs[0].name;
  const found = structs.length === 0 ? 'none is a struct of bytes and path' : `${structs.map((c) => c.name).join(' and ')} both are`;
  throw new UserError(`${pq.path}: no image column found (${found}; columns: ${pq.columns.map((c) => c.name).join(', ')}); name it with --image-column`);
}

/** The 🤗 ClassLabel column, else an integer column named label or labels. */
function findLabelColumn(pq: ParquetFile): string {
  const byFeature = Object.entries(pq.features).find(([name, f]) => f._type === 'ClassLabel' && hasColumn(pq, name))?.[0];
  if (byFeature) return byFeature;
  const named = pq.columns.find((c) => (c.name === 'label' || c.name === 'labels') && INT_TYPES.has(c.type ?? ''));
  if (named) return named.name;
  throw new UserError(`${pq.path}: no label column found (no ClassLabel feature, no integer "label" column; columns: ${pq.columns.map((c) => c.name).join(', ')}); name it with --label-column`);
}

/** Class names from the first card found in `from` or a folder above it, up to `top`. */
async function namesFromCards(from: string, top: string, column: string): Promise<string[] | undefined> {
  for (let d = from; ; d = dirname(d)) {
    const names = await namesFromCard(d, column);
    if (names || d === top || dirname(d) === d || relative(top, d).startsWith('..')) return names;
  }
}

/** Class names of `column` from the dataset card's YAML front matter, else dataset_infos.json. */
async function namesFromCard(root: string, column: string): Promise<string[] | undefined> {
  const card = await readFile(join(root, 'README.md'), 'utf8').catch(() => undefined);
  const yaml = card && /^---\r?\n([\s\S]*?)\r?\n---/.exec(card)?.[1];
  if (yaml) {
    const doc = parseYaml(yaml) as { dataset_info?: unknown } | null;
    const infos = Array.isArray(doc?.dataset_info) ? doc.dataset_info : doc?.dataset_info ? [doc.dataset_info] : [];
    for (const info of infos as { features?: { name?: string; dtype?: { class_label?: { names?: Record<string, string> } } }[] }[]) {
      const names = info.features?.find((f) => f.name === column)?.dtype?.class_label?.names;
      if (names) return Object.entries(names).sort(([a], [b]) => Number(a) - Number(b)).map(([, n]) => String(n));
    }
  }
  const json = await readFile(join(root, 'dataset_infos.json'), 'utf8').catch(() => undefined);
  if (json) {
    try {
      for (const info of Object.values(JSON.parse(json) as Record<string, { features?: Record<string, { names?: string[] }> }>)) {
        const names = info.features?.[column]?.names;
        if (names) return names;
      }
    } catch {
      throw new UserError(`${join(root, 'dataset_infos.json')} is not valid JSON; fix or remove it, or give class names with --classes`);
    }
  }
  return undefined;
}

/** train-00000-of-00001.parquet, validation/0000.parquet, …: the first split word in the file name, else in its folders. */
export function splitOf(rel: string): Split {
  const parts = rel.split('/');
  for (const part of [parts[parts.length - 1], ...parts.slice(0, -1).reverse()]) {
    const word = /^([a-z]+)(?=[-_.]|$)/i.exec(part)?.[1]?.toLowerCase();
    if (word && Object.hasOwn(SPLIT_WORDS, word)) return SPLIT_WORDS[word];
  }
  return 'test';
}

async function parquetFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.parquet') && !e.name.startsWith('.')) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out.sort(compareCodeUnits);
}

/** A folder with .parquet files at its top or one level down (`data/`, a config folder). */
async function looksLikeParquetFolder(dir: string): Promise<boolean> {
  const top = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (top.some((e) => e.isFile() && e.name.endsWith('.parquet'))) return true;
  for (const e of top.filter((x) => x.isDirectory() && !x.name.startsWith('.')).slice(0, 20)) {
    const inner = await readdir(join(dir, e.name)).catch(() => [] as string[]);
    if (inner.some((n) => n.endsWith('.parquet'))) return true;
  }
  return false;
}

/** `parquet:<dir or file>`, and a .parquet file or a folder holding some, given with no prefix. */
export const PARQUET: DatasetFormat = {
  name: 'parquet',
  describe: 'Hugging Face parquet files (a .parquet file or a folder of them)',
  noun: 'a .parquet file',
  probe: (path, stats) => (stats.isFile() ? path.endsWith('.parquet') : stats.isDirectory() && looksLikeParquetFolder(path)),
  accepts: (stats) => stats.isFile() || stats.isDirectory() || 'neither a file nor a folder',
  sidecars: false,
  list: listParquet,
};
