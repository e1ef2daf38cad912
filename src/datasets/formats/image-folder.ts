/**
 * Image-folder layout (torchvision ImageFolder style):
 *   root/<class>/*.{png,jpg,jpeg,webp}                      everything is the `test` split
 *   root/{train,val,test}/<class>/*.{png,jpg,jpeg,webp}     one folder per split
 * Images in subfolders of a class folder (root/<class>/a/b/x.png) belong to that class, at any
 * depth, as in torchvision's ImageFolder (`make_dataset` walks each class folder with
 * `os.walk(followlinks=True)`); a symlink loop is followed once. One case is an error instead: a
 * single class folder whose images are all in subfolders, the mark of a root one level too high.
 * Extensions are case-insensitive; other files and hidden entries are ignored. Split folders and
 * class folders cannot be mixed at the root. Files are listed in sorted relative-path order, so
 * indices are the same on every machine.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { SPLITS, type Split } from '../types.ts';
import { assignClasses, compareCodeUnits, type ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { DatasetFormat } from './format.ts';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export async function listImageFolder(root: string, specs: ClassSpec[] | undefined, specsFile: string | undefined): Promise<{ classes: string[]; files: ListedFile[] }> {
  const top = await subfolders(root);
  const splitDirs = top.filter((d) => (SPLITS as readonly string[]).includes(d)) as Split[];
  const layout: { split: Split; prefix: string }[] = [];
  if (splitDirs.length > 0) {
    const others = top.filter((d) => !(SPLITS as readonly string[]).includes(d));
    if (others.length > 0) {
      throw new UserError(
        `${root} mixes split folders (${splitDirs.join(', ')}) with class folders (${others.slice(0, 3).join(', ')}); ` +
          `put every class folder inside train/, val/ or test/, or use no split folders at all`,
      );
    }
    for (const s of SPLITS) if (splitDirs.includes(s)) layout.push({ split: s, prefix: s });
  } else {
    layout.push({ split: 'test', prefix: '' });
  }

  const found: { split: Split; key: string; rel: string; dir: string }[] = [];
  const walk = { rootReal: await realpath(root), seen: new Set<string>() };
  for (const { split, prefix } of layout) {
    const splitRoot = prefix ? join(root, prefix) : root;
    const classDirs = prefix ? await subfolders(splitRoot) : top;
    if (classDirs.length === 0) {
      throw new UserError(`${splitRoot} has no class folders; expected ${join(splitRoot, '<class>', '*.png')} (or .jpg, .jpeg, .webp)`);
    }
    for (const key of classDirs) {
      const dir = join(splitRoot, key);
      const names = await imagesUnder(dir, walk);
      if (names.length === 0) {
        throw new UserError(`class folder ${dir} has no images (${IMAGE_EXTENSIONS.join(', ')}); add images or remove the folder`);
      }
      if (classDirs.length === 1 && names.every((n) => n.includes('/'))) {
        const inner = (await subfolders(dir)).slice(0, 3).join('/, ');
        const fix = prefix ? `move them up into ${splitRoot}` : `pass ${dir} as the dataset path instead`;
        throw new UserError(`${splitRoot} has a single class folder, ${key}/, whose images are all in its subfolders (${inner}/); if those are the classes, ${fix}`);
      }
      for (const name of names) found.push({ split, key, dir, rel: [prefix, key, name].filter(Boolean).join('/') });
    }
  }

  const firstDir = new Map<string, string>();
  for (const f of found) if (!firstDir.has(f.key)) firstDir.set(f.key, f.dir);
  const { classes, indexOf } = assignClasses(
    found.map((f) => f.key),
    specs,
    specsFile,
    (key) => `folder ${firstDir.get(key)}`,
  );
  const files = found
    .map((f) => ({ split: f.split, rel: f.rel, path: join(root, f.rel), label: indexOf.get(f.key)! }))
    .sort((a, b) => compareCodeUnits(a.rel, b.rel));
  return { classes, files };
}

/**
 * Image files under `dir` at any depth, as `/`-separated paths relative to it. Hidden entries
 * are skipped. A folder is read once: a symlink back to a folder already read (a loop), to the
 * dataset root or to a folder above it is not followed.
 */
async function imagesUnder(dir: string, walk: { rootReal: string; seen: Set<string> }, prefix = ''): Promise<string[]> {
  const real = await realpath(dir);
  if (walk.seen.has(real) || walk.rootReal === real || walk.rootReal.startsWith(real + sep)) return [];
  walk.seen.add(real);
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isDirectory());
    if (isDir) out.push(...(await imagesUnder(path, walk, `${prefix}${e.name}/`)));
    else if (isImageName(e.name)) out.push(prefix + e.name);
  }
  return out;
}

/** Class keys that keep folder names exactly (no `_` → space), folder k being class k: for layouts whose folder names are ids. */
export const keyedBy = (folders: readonly string[]): ClassSpec[] => folders.map((f, i) => ({ key: f, name: f, line: i + 1 }));

/** Non-hidden subfolders (symlinks to folders count), sorted. */
export async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory() || (e.isSymbolicLink() && (await stat(join(dir, e.name)).catch(() => undefined))?.isDirectory())) out.push(e.name);
  }
  return out.sort(compareCodeUnits);
}

/** `folder:<dir>`, and any folder given with no prefix. */
export const IMAGE_FOLDER: DatasetFormat = {
  name: 'folder',
  describe: 'a folder of class folders',
  noun: 'a folder',
  probe: (_path, stats) => stats.isDirectory(),
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: true,
  list: listImageFolder,
};
