/**
 * Class names for user data. Without a classes file: one class per folder (image folders) or per
 * distinct label (CSV), sorted by that key (the order torchvision's ImageFolder uses), with `_`
 * read as a space because class names go into prompts ("golden_retriever" → "golden retriever").
 *
 * A classes file (`classes.txt` at a folder's root, or --classes) fixes the order and may rename:
 *   golden retriever          a name; matches folder/label "golden retriever" or "golden_retriever"
 *   n02099601<TAB>golden retriever   a folder/label key, a tab, then the class name
 * Blank lines and lines starting with `#` are skipped; a JSON array of names also works.
 */
import { readListFile } from '../list-files.ts';
import { UserError } from '../../util/errors.ts';

export interface ClassSpec {
  name: string;
  /** The folder name or CSV label this class comes from; undefined = match by name. */
  key?: string;
  /** Line in the classes file, for errors. */
  line?: number;
}

export function displayName(key: string): string {
  return key.replace(/_/g, ' ').trim();
}

export async function readClassesFile(path: string): Promise<ClassSpec[]> {
  const list = await readListFile(path, 'classes');
  let specs: ClassSpec[];
  if ('json' in list) {
    specs = list.json.map((name, i) => ({ name: name.trim(), line: i + 1 }));
  } else {
    specs = [];
    list.lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const tab = raw.indexOf('\t');
      if (tab >= 0) specs.push({ key: raw.slice(0, tab).trim(), name: raw.slice(tab + 1).trim(), line: i + 1 });
      else specs.push({ name: line, line: i + 1 });
    });
  }
  if (specs.length === 0) throw new UserError(`${path}: no class names`);
  const seen = new Map<string, number | undefined>();
  for (const s of specs) {
    if (s.name === '') throw new UserError(`${path} line ${s.line}: empty class name`);
    if (seen.has(s.name)) throw new UserError(`${path} line ${s.line}: class "${s.name}" is listed twice (first at line ${seen.get(s.name)})`);
    seen.set(s.name, s.line);
  }
  return specs;
}

/**
 * Map every key found in the data (folder names, CSV labels) to a class index.
 * `where(key)` names a place the key occurs, for errors.
 */
export function assignClasses(
  keys: readonly string[],
  specs: ClassSpec[] | undefined,
  specsFile: string | undefined,
  where: (key: string) => string,
): { classes: string[]; indexOf: Map<string, number> } {
  const indexOf = new Map<string, number>();
  if (!specs) {
    const sorted = [...new Set(keys)].sort(compareCodeUnits);
    const byName = new Map<string, string>();
    const classes = sorted.map((key, i) => {
      const name = displayName(key) || key;
      const other = byName.get(name);
      if (other !== undefined) {
        throw new UserError(`${where(other)} and ${where(key)} both give class "${name}"; rename one, or list classes in a classes file`);
      }
      byName.set(name, key);
      indexOf.set(key, i);
      return name;
    });
    return { classes, indexOf };
  }
  const file = specsFile ?? 'classes file';
  for (const key of new Set(keys)) {
    const i = specs.findIndex((s) => (s.key !== undefined ? s.key === key : s.name === key || displayName(key) === s.name));
    if (i < 0) throw new UserError(`${where(key)}: "${key}" is not in ${file}; add it there (one class per line)`);
    indexOf.set(key, i);
  }
  const used = new Set(indexOf.values());
  const unused = specs.findIndex((_, i) => !used.has(i));
  if (unused >= 0) {
    const s = specs[unused];
    throw new UserError(`${file} line ${s.line}: class "${s.key ?? s.name}" has no images; remove the line or add images for it`);
  }
  return { classes: specs.map((s) => s.name), indexOf };
}

/** Plain UTF-16 code unit order: locale-independent, so every machine sorts alike. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
