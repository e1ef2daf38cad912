/**
 * The report files of an export comparison, beside its compare.json: plots/*.png and a self-contained
 * compare.html, rendered in memory from the record first, then each written atomically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCompareMarkdown, type CompareRecord } from '../compare/markdown.ts';
import { UserError } from '../util/errors.ts';
import { renderCompareHtml } from './compare-html.ts';
import { comparePlots } from './compare-plots.ts';
import { writeOutputs, type OutputFile } from './write.ts';

export const COMPARE_SCHEMA = 'clip-bench/compare';

export function compareReportFiles(r: CompareRecord): OutputFile[] {
  const plots = comparePlots(r);
  return [...plots.map((p): OutputFile => [join('plots', p.file), p.png]), ['compare.html', renderCompareHtml(r, plots)]];
}

/** Write plots/*.png and compare.html for `r` into `outDir`; returns the paths written. */
export async function writeCompareReport(r: CompareRecord, outDir: string): Promise<string[]> {
  return writeOutputs(outDir, compareReportFiles(r));
}

/** A compare.json to re-render, or null when `file` is JSON of another kind (a bench results.json). */
export async function readCompareRecord(file: string): Promise<CompareRecord | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null; // not ours to judge: the results reader names what is wrong with it
  }
  const r = parsed as Partial<CompareRecord> | null;
  if (r?.schema !== COMPARE_SCHEMA) return null;
  if (!Array.isArray(r.datasets) || !Array.isArray(r.gates) || !r.reference || !r.candidate) throw new UserError(`${file}: a ${COMPARE_SCHEMA} record without its datasets, gates or exports; rerun npm run compare to write it again`);
  const old = r.datasets.find((d) => (d.zeroShot && !d.zeroShot.flips) || d.probes.some((p) => !p.flips) || (d.embeddings && !d.embeddings.imageCosine.histogram));
  if (old) {
    const rerun = r.command?.argv?.length ? `: ${r.command.argv.join(' ')}` : ' that wrote it';
    throw new UserError(`${file} predates flip counts and cosine histograms in compare.json (dataset ${old.dataset}); rerun the comparison${rerun}`);
  }
  return r as CompareRecord;
}

/** compare.md, plots/*.png and compare.html from a compare.json (npm run report -- <dir>/compare.json). */
export const rerenderedCompareFiles = (r: CompareRecord): OutputFile[] => [['compare.md', renderCompareMarkdown(r)], ...compareReportFiles(r)];
