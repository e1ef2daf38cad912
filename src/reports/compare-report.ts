/**
 * The report files of an export comparison, beside its compare.json: plots/*.png and a self-contained
 * compare.html, rendered in memory from the record first, then each written atomically.
 */
import { join } from 'node:path';
import type { CompareRecord } from '../compare/markdown.ts';
import { renderCompareHtml } from './compare-html.ts';
import { comparePlots } from './compare-plots.ts';
import { writeOutputs, type OutputFile } from './write.ts';

export function compareReportFiles(r: CompareRecord): OutputFile[] {
  const plots = comparePlots(r);
  return [...plots.map((p): OutputFile => [join('plots', p.file), p.png]), ['compare.html', renderCompareHtml(r, plots)]];
}

/** Write plots/*.png and compare.html for `r` into `outDir`; returns the paths written. */
export async function writeCompareReport(r: CompareRecord, outDir: string): Promise<string[]> {
  return writeOutputs(outDir, compareReportFiles(r));
}
