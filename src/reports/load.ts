/**
 * Find and read results files for reports: parse, check the schema id and version (migrating older
 * versions), validate. Every failure is a UserError naming the file and the problem.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, type BenchResults } from '../results/schema.ts';
import { validateResults } from '../results/validate.ts';
import { UserError } from '../util/errors.ts';

export interface LoadedRun {
  file: string;
  results: BenchResults;
}

/**
 * Upgrades from schemaVersion v to v + 1. Version 1 is the first, so none exist yet; when the schema
 * changes, add the step that lifts the previous version here so old runs keep reporting.
 */
const MIGRATIONS: Record<number, (record: Record<string, unknown>) => Record<string, unknown>> = {};

export function migrate(record: Record<string, unknown>, file: string): Record<string, unknown> {
  const declared = record.schemaVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared)) throw new UserError(`${file}: "schemaVersion" is missing or not an integer; this is not a results file clip-bench wrote`);
  let v: number = declared;
  if (v > RESULTS_SCHEMA_VERSION) throw new UserError(`${file}: schemaVersion ${v} is newer than this clip-bench reads (${RESULTS_SCHEMA_VERSION}); update clip-bench (git pull && npm ci)`);
  let out = record;
  while (v < RESULTS_SCHEMA_VERSION) {
    const step = MIGRATIONS[v];
    if (!step) throw new UserError(`${file}: unknown schemaVersion ${v} (this clip-bench reads ${RESULTS_SCHEMA_VERSION}); rerun the bench that wrote it`);
    out = step(out);
    v = out.schemaVersion as number;
  }
  return out;
}

export async function loadResultsFile(file: string): Promise<LoadedRun> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON, perhaps truncated (${(e as Error).message}); rerun the bench that wrote it`);
  }
  if (parsed === null || typeof parsed !== 'object' || (parsed as Record<string, unknown>).schema !== RESULTS_SCHEMA_ID)
    throw new UserError(`${file}: not a clip-bench results file (no "schema": "${RESULTS_SCHEMA_ID}")`);
  const record = migrate(parsed as Record<string, unknown>, file);
  const problems = validateResults(record);
  if (problems.length) throw new UserError(`${file}: does not match results schema v${RESULTS_SCHEMA_VERSION}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
  return { file, results: record as unknown as BenchResults };
}

/** A results.json path, or a run directory holding one, or a directory of run directories. */
export async function resolveInputs(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const s = await stat(arg).catch(() => null);
    if (!s) throw new UserError(`${arg}: no such file or directory`);
    if (s.isFile()) {
      files.push(arg);
      continue;
    }
    const own = join(arg, 'results.json');
    if (await stat(own).then((x) => x.isFile(), () => false)) {
      files.push(own);
      continue;
    }
    const entries = (await readdir(arg, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const nested: string[] = [];
    for (const name of entries) {
      const f = join(arg, name, 'results.json');
      if (await stat(f).then((x) => x.isFile(), () => false)) nested.push(f);
    }
    if (!nested.length) throw new UserError(`${arg}: no results.json in this directory or its subdirectories; pass a run directory written by npm run bench`);
    files.push(...nested);
  }
  return files;
}

export async function loadRuns(args: string[]): Promise<LoadedRun[]> {
  const files = await resolveInputs(args);
  const runs: LoadedRun[] = [];
  for (const f of files) runs.push(await loadResultsFile(f));
  return runs;
}
