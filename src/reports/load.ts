/**
 * Find the results files a report is made from (files, run directories, directories of runs) and read
 * them. Every failure is a UserError naming the file and the problem.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readResults } from '../results/read.ts';
import type { BenchResults } from '../results/schema.ts';
import { UserError } from '../util/errors.ts';

export interface LoadedRun {
  file: string;
  results: BenchResults;
}

/** Read, migrate and validate one results file (src/results/read.ts). */
export async function loadResultsFile(file: string): Promise<LoadedRun> {
  return { file, results: await readResults(file) };
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
