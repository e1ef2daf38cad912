/** Reading a small text file whole, a failure to read it becoming one `error:` line that names the file. */
import { readFile } from 'node:fs/promises';
import { UserError } from './errors.ts';

/** The file's text; `what` names the kind of file in the message ("caption file", "CSV manifest"). */
export async function readTextFile(path: string, what: string): Promise<string> {
  const text = await readOptionalTextFile(path, what, false);
  return text!;
}

/** The file's text, or undefined when it does not exist (an optional file); any other failure is a UserError. */
export async function readOptionalTextFile(path: string, what: string, missingOk = true): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (missingOk && code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}
