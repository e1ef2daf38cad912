/** `npm run report`: combine the results of any number of runs into one CSV, plots, HTML and markdown, without recomputing. */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { combineRuns, leaderboard, methodLabel, methods, type Combined } from '../reports/combine.ts';
import { combinedReportFiles } from '../reports/combined-report.ts';
import { combineRetrievalRuns, isRetrievalRun } from '../reports/combine-retrieval.ts';
import { combinedRetrievalFiles, setTable } from '../reports/combined-retrieval-report.ts';
import { readCompareRecord, rerenderedCompareFiles } from '../reports/compare-report.ts';
import { loadRuns } from '../reports/load.ts';
import { pct } from '../reports/style.ts';
import { FORMATS, writeOutputs, type Format } from '../reports/write.ts';
import { UserError } from '../util/errors.ts';
import { checkOutputDir } from './output-paths.ts';
import { defineCommand, formatTable, plural, singleCommandMain, startCli, type Io } from './toolkit.ts';

const PROG = 'npm run report --';

export function parseFormats(value: string | undefined): Format[] {
  if (value === undefined) return [...FORMATS];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (bad.length || !list.length) throw new UserError(`--format takes a comma-separated list of ${FORMATS.join(', ')}; got ${JSON.stringify(value)}`);
  return [...new Set(list)] as Format[];
}

/** The terminal summary: one model × dataset table per method, as in the HTML. */
function summary(c: Combined): string {
  return methods(c)
    .map((m) => {
      const rows = leaderboard(c, m).map((r) => [r.model, ...r.perDataset.map((e) => (e ? pct(e.mean) : '–')), r.meanTop1 === null ? '–' : pct(r.meanTop1), r.meanRank === null ? '–' : r.meanRank.toFixed(2)]);
      return `${methodLabel(m)} (top-1 %)\n${formatTable(['model', ...c.datasets, 'mean', 'mean rank'], rows)}`;
    })
    .join('\n');
}

/**
 * Write the files into a new directory whole (staged beside it, then renamed), or, into an existing
 * one, each file atomically. Everything is rendered before the first byte is written.
 */
async function writeReport(out: string, files: [string, string | Buffer][]): Promise<void> {
  if (await stat(out).then(() => true, () => false)) {
    await writeOutputs(out, files);
    return;
  }
  const staging = join(dirname(out), `.${randomBytes(4).toString('hex')}.report.tmp`);
  try {
    await mkdir(staging, { recursive: true });
    await writeOutputs(staging, files);
    await rename(staging, out);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'combine runs into one report',
  usage: '<results.json | run dir>… --out <dir> [options]  |  <compare.json> [--out <dir>]',
  description: `Combines the results.json of any number of runs (a file, a run directory, or a directory of run
directories) without recomputing: combined.csv and combined-per-seed.csv, a model × dataset table with
mean top-1 and mean rank per method, few-shot curves overlaid per dataset (one colour per model), a
comparison with the first model when there are several, report.html (self-contained) and report.md.
--task retrieval runs combine the same way: combined-retrieval.csv, a model × metric table per test set,
recall@k curves overlaid and, for class retrieval, AP per class with one bar per model.
Runs must share their protocol (seeds, C grid, solver, bootstrap, limit, dataset identity, templates).
Given one compare.json (npm run compare), re-renders its compare.md, plots and compare.html, beside it
or into --out.`,
  flags: {
    out: { type: 'string', value: '<dir>', help: 'output directory (required; new, or empty, or pass --force); for one compare.json, default: beside it' },
    format: { type: 'string', value: '<list>', help: `outputs, comma-separated: ${FORMATS.join(',')} (default all)` },
    'allow-mixed': { type: 'boolean', help: 'combine runs whose protocols differ; the mixed cells are marked †' },
    force: { type: 'boolean', help: 'write into a directory that already holds files (replacing the report files)' },
  },
  examples: [
    `${PROG} reports/20261129T104532-f6dab8 reports/20261129T104554-f28b52 --out reports/compare`,
    `${PROG} reports --out /tmp/all-runs --format html,csv`,
    `${PROG} a/results.json b/results.json --out cmp --allow-mixed`,
    `${PROG} reports/retrieval-a reports/retrieval-b --out reports/retrieval-compare`,
    `${PROG} reports/compare-20261129T104532-f6dab8/compare.json`,
  ],
  async run({ values, positionals, io }) {
    if (!positionals.length) throw new UserError(`name at least one results.json or run directory, e.g. ${PROG} reports/<run-id> --out reports/compare`);
    const compared = positionals.length === 1 ? await readCompareRecord(positionals[0]) : null;
    if (compared) {
      if (values.out) checkOutputDir({ flag: '--out', path: values.out, mustBeEmpty: true, force: values.force });
      const out = values.out ?? dirname(positionals[0]);
      const files = rerenderedCompareFiles(compared);
      await writeOutputs(out, files);
      io.stdout.write(`${compared.verdict}\nwrote compare.md, compare.html and ${plural(files.length - 2, 'plot')} under plots/ to ${out}\n`);
      return;
    }
    if (!values.out) throw new UserError(`--out <dir> is required, e.g. ${PROG} ${positionals[0]} --out reports/compare`);
    const formats = parseFormats(values.format);
    checkOutputDir({ flag: '--out', path: values.out, mustBeEmpty: true, force: values.force });
    const runs = await loadRuns(positionals);
    if (runs.some((r) => isRetrievalRun(r.results))) {
      const c = combineRetrievalRuns(runs, values['allow-mixed'] === true);
      const files = combinedRetrievalFiles(c, formats);
      await writeReport(resolve(values.out), files);
      for (const set of c.sets) {
        const t = setTable(c, set);
        io.stdout.write(`${set}\n${formatTable(t.header, t.rows)}`);
      }
      if (c.differences.length) io.stdout.write(`mixed protocols (marked †): ${c.differences.map((d) => d.field).join(', ')}\n`);
      io.stdout.write(`wrote ${plural(files.length, 'file')} to ${values.out}\n`);
      return;
    }
    const combined = combineRuns(runs, values['allow-mixed'] === true);
    const files = combinedReportFiles(combined, formats);
    const out = resolve(values.out);
    await writeReport(out, files);
    io.stdout.write(`${summary(combined)}\n`);
    if (combined.differences.length) io.stdout.write(`mixed protocols (marked †): ${combined.differences.map((d) => d.field).join(', ')}\n`);
    io.stdout.write(`wrote ${plural(files.length, 'file')} to ${values.out}: ${files.map(([f]) => f).filter((f) => !f.startsWith('plots/')).join(', ')}${files.some(([f]) => f.startsWith('plots/')) ? ', plots/*.png' : ''}\n`);
  },
});

export const main = singleCommandMain(PROG, reportCommand);
startCli(import.meta.url, main);
