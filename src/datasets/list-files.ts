/**
 * Small list files that change a dataset's prompts: templates and class names. Either a JSON
 * array of strings, or one entry per line (blank lines and `#` comments skipped). Used by the
 * dataset dispatch (resolve.ts) and by the user-data readers (user/), so it lives apart from both.
 */
import { UserError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';

/** Read a list file; returns which form it found (comments are skipped by the caller). */
export async function readListFile(path: string, what: string): Promise<{ json: string[] } | { lines: string[] }> {
  const text = await readTextFile(path, `${what} file`);
  const first = text.trimStart()[0];
  // A JSON object would otherwise be read as lines, its whole text one "template".
  if (first === '{') throw new UserError(`${path}: a JSON object, not a list of ${what}; give a JSON array of strings, or one entry per line`);
  if (first !== '[') return { lines: text.split(/\r?\n/) };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UserError(`${path}: expected a JSON array of strings`);
  return { json: v as string[] };
}

async function readList(path: string, what: string): Promise<string[]> {
  const list = await readListFile(path, what);
  if ('json' in list) return list.json;
  return list.lines.map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
}

export async function readTemplates(path: string): Promise<string[]> {
  const t = await readList(path, 'templates');
  if (t.length === 0) throw new UserError(`${path}: no templates`);
  const bad = t.find((x) => !x.includes('{}'));
  if (bad !== undefined) throw new UserError(`${path}: template "${bad}" has no {} placeholder for the class name`);
  return t;
}

export async function readClassNames(path: string, expected: number): Promise<string[]> {
  const c = await readList(path, 'classes');
  if (c.length !== expected) throw new UserError(`${path}: ${c.length} class names, the dataset has ${expected} classes (same order required)`);
  return c;
}
