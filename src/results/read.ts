import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.ts';
import type { BenchResults } from './schema.ts';
import { migrateResults } from './migrate.ts';
import { validateResults } from './validate.ts';

/**
 * Read a results.json, lift an older schemaVersion to the current one, and check it against the schema;
 * a missing, malformed, invalid or unknown-version file is a UserError naming it.
 */
export async function readResults(path: string): Promise<BenchResults> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read results file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON, perhaps truncated (${(e as Error).message}); rerun the bench that wrote it`);
  }
  value = migrateResults(value, path);
  const problems = validateResults(value);
  if (problems.length) throw new UserError(`${path} does not match the results schema: ${problems.slice(0, 5).join('; ')}`);
  return value as BenchResults;
}
