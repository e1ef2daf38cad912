/**
 * Write a run's report files beside its results.json. Everything is rendered in memory first, then each
 * file is written atomically (temp file + rename), so a failure while rendering writes nothing and a
 * crash while writing leaves whole files only.
 */
import { join } from 'node:path';
import type { BenchResults } from '../results/schema.ts';
import { renderMarkdown } from '../results/markdown.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { toCsv } from './csv.ts';
import { renderRunHtml } from './html/run.ts';
import { runPlots } from './plots.ts';
import { RETRIEVAL_COLUMNS, retrievalPlots, retrievalRecords } from './retrieval.ts';
import { PER_SEED_COLUMNS, perSeedRecords, SUMMARY_COLUMNS, summaryRecords } from './tidy.ts';

export const FORMATS = ['html', 'csv', 'md', 'png'] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportOptions {
  /** Which outputs to write; default html, csv and png (bench writes results.md itself). */
  formats?: readonly Format[];
}

export type OutputFile = [name: string, data: string | Buffer];

export async function writeOutputs(outDir: string, files: OutputFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const [name, data] of files) {
    await writeFileAtomic(join(outDir, name), data);
    written.push(join(outDir, name));
  }
  return written;
}

/** The report files of one run, in memory: `[relative path, bytes]`. */
export function runReportFiles(results: BenchResults, formats: readonly Format[] = ['html', 'csv', 'png']): OutputFile[] {
  const files: OutputFile[] = [];
  if (formats.includes('csv')) {
    files.push(['results.csv', toCsv(SUMMARY_COLUMNS, summaryRecords(results))]);
    files.push(['results-per-seed.csv', toCsv(PER_SEED_COLUMNS, perSeedRecords(results))]);
    if (results.retrieval?.length) files.push(['retrieval.csv', toCsv(RETRIEVAL_COLUMNS, retrievalRecords(results))]);
  }
  if (formats.includes('md')) files.push(['results.md', renderMarkdown(results)]);
  if (formats.includes('png') || formats.includes('html')) {
    const plots = [...runPlots(results), ...retrievalPlots(results)];
    if (formats.includes('png')) for (const p of plots) files.push([join('plots', p.file), p.png]);
    if (formats.includes('html')) files.push(['report.html', renderRunHtml(results, plots)]);
  }
  return files;
}

/** Write results.csv, results-per-seed.csv, plots/*.png and report.html for `results` into `outDir`. */
export async function writeRunReport(results: BenchResults, outDir: string, opts: ReportOptions = {}): Promise<string[]> {
  return writeOutputs(outDir, runReportFiles(results, opts.formats));
}
