/** Reading `npm run rank` inputs: a prompts file, and the (image, prompt[, references]) rows of --score. */
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';

const readText = (path: string, flag: string) => readTextFile(path, `${flag} file`);

/** One prompt per line; an empty line among them is an empty prompt (an error), trailing blank lines are not. */
export async function readPrompts(path: string): Promise<string[]> {
  const lines = (await readText(path, '--texts')).replace(/\s+$/, '').split(/\r?\n/);
  const empty = lines.findIndex((l) => l.trim() === '');
  if (empty >= 0) throw new UserError(`--texts ${path} line ${empty + 1}: an empty prompt; every line must hold a text to rank`);
  return lines.map((l) => l.trim());
}

export interface PairRow {
  image: string;
  prompt: string;
  references: string[];
  origin: string;
}

/** --score: a CSV with `image` and `prompt` columns and any `reference…` columns (empty cells ignored). */
export async function readPairs(path: string, separator: string): Promise<PairRow[]> {
  const text = await readText(path, '--score');
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, delimiter: separator, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof rows;
  } catch (e) {
    throw new UserError(`--score ${path}: not a readable CSV (${(e as Error).message})`);
  }
  if (rows.length === 0) throw new UserError(`--score ${path}: empty; expected a header "image,prompt[,reference,…]" and one row per pair`);
  const header = rows[0].record.map((h) => h.trim().toLowerCase());
  const col = { image: header.indexOf('image'), prompt: header.indexOf('prompt') };
  for (const name of ['image', 'prompt'] as const)
    if (col[name] < 0) throw new UserError(`--score ${path}: no "${name}" column in the header (found: ${rows[0].record.join(', ') || 'nothing'}); the header must name image,prompt[,reference,…]`);
  const refCols = header.flatMap((h, i) => (h.startsWith('reference') ? [i] : []));
  if (rows.length === 1) throw new UserError(`--score ${path}: a header but no rows; add one row per (image, prompt) pair`);
  const base = dirname(path);
  return rows.slice(1).map(({ record, info }) => {
    const origin = `${path} line ${info.lines}`;
    const image = (record[col.image] ?? '').trim();
    const prompt = (record[col.prompt] ?? '').trim();
    if (!image) throw new UserError(`${origin}: empty image path`);
    if (!prompt) throw new UserError(`${origin}: an empty prompt for ${image}; every row needs the text the image should match`);
    return { image: isAbsolute(image) ? image : join(base, image), prompt, references: refCols.map((i) => (record[i] ?? '').trim()).filter(Boolean), origin };
  });
}
