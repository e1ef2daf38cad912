/**
 * The files of a combined report of --task retrieval runs: combined-retrieval.csv, per test set a model ×
 * metric table, recall@k curves overlaid (one colour per model) and, for class retrieval, AP per class
 * with one bar per model; report.html and report.md.
 */
import type { ValueEstimate } from '../results/schema.ts';
import { retrievalLabel } from '../results/retrieval-table.ts';
import { plural } from '../util/plural.ts';
import { recordCurves, renderApBars, renderRecallCurves } from './charts/retrieval-charts.ts';
import { retrievalCellAt, type CombinedRetrieval } from './combine-retrieval.ts';
import { reportFiles } from './combined-report.ts';
import { toCsv } from './csv.ts';
import { code, esc, figures, page, table } from './html/page.ts';
import type { Plot } from './plot.ts';
import { RETRIEVAL_COLUMNS, retrievalRecords, retrievalSize } from './retrieval.ts';
import { slug } from './select.ts';
import { colorAt } from './style.ts';
import type { Format, OutputFile } from './write.ts';

const isRank = (metric: string) => metric.endsWith('median_rank');
const fmt = (metric: string, e: ValueEstimate | undefined, mixed: boolean) => {
  if (!e) return '—';
  const v = (x: number) => (isRank(metric) ? x.toFixed(1) : (100 * x).toFixed(1));
  return `${v(e.mean)} [${v(e.ci[0])}, ${v(e.ci[1])}]${mixed ? ' †' : ''}`;
};

/** One test set's table: a row per model, a column per metric (recall, precision, AP in %; median ranks as ranks). */
export function setTable(c: CombinedRetrieval, set: string): { header: string[]; rows: string[][] } {
  const cells = c.models.map((m) => retrievalCellAt(c, m, set));
  const metrics = [...new Set(cells.flatMap((x) => (x ? Object.keys(x.rec.metrics) : [])))];
  const header = ['model', ...metrics.map((m) => (isRank(m) ? m : `${m} %`))];
  const rows = c.models.flatMap((model, i) => (cells[i] ? [[model, ...metrics.map((m) => fmt(m, cells[i]!.rec.metrics[m], cells[i]!.mixed.length > 0))]] : []));
  return { header, rows };
}

export function combinedRetrievalPlots(c: CombinedRetrieval): Plot[] {
  const plots: Plot[] = [];
  for (const set of c.sets) {
    const cells = c.models.flatMap((m) => retrievalCellAt(c, m, set) ?? []);
    const first = cells[0].rec;
    const many = cells.length > 1;
    const curves = cells.flatMap((x) => recordCurves(x.rec, (line) => (many ? colorAt(c.models.indexOf(x.model)) : colorAt(line)), many ? x.model : ''));
    const sub = [`${plural(cells.length, 'model')}; ${retrievalSize(first)}${many ? `; ${first.kind === 'caption' ? 'solid: text → image, dashed: image → text' : 'solid: recall@k, dashed: precision@k'}` : ''}`];
    plots.push({ file: `${slug(set)}-retrieval-recall.png`, dataset: set, caption: `${set}: recall@k, one colour per model`, png: renderRecallCurves(`${set}: ${first.kind === 'caption' ? 'recall@k' : 'recall@k and precision@k'}`, sub, curves) });
    if (first.perClass?.length) {
      const classes = first.perClass.map((p) => p.class);
      const series = cells.map((x) => ({ name: x.model, color: many ? colorAt(c.models.indexOf(x.model)) : colorAt(0), ap: classes.map((k) => x.rec.perClass?.find((p) => p.class === k)?.ap) }));
      const mAP = cells.map((x) => `${x.model} mAP ${(100 * x.rec.metrics.mAP.mean).toFixed(1)}%`).join(', ');
      plots.push({ file: `${slug(set)}-retrieval-ap.png`, dataset: set, caption: `${set}: AP per class query, one bar per model`, png: renderApBars(`${set}: average precision per class query`, [mAP, ...(many ? [`classes ordered by ${cells[0].model}'s AP; CIs per class in combined-retrieval.csv`] : [])], classes, series) });
    }
  }
  return plots;
}

function inputRows(c: CombinedRetrieval): string[][] {
  return c.runs.map((run) => {
    const r = run.results;
    return [run.file, r.runId, c.cells.find((x) => x.run === run)?.model ?? r.model.name, (r.retrieval ?? []).map(retrievalLabel).join(', '), r.environment.gitCommit ?? '—', r.command.argv.join(' ')];
  });
}

const mixedNote = (c: CombinedRetrieval) =>
  c.differences.length ? ['† marks cells whose run used a different protocol from the first run (combined with --allow-mixed):', ...c.differences.map((d) => `${d.field}: ${d.values.map((v) => `${v.file} = ${v.value}`).join('; ')}`)] : [];

const NOTE =
  'Every number is copied from a results.json: mean [95% bootstrap CI], recall, precision and AP in %, median ranks as ranks (1 = best). Caption metrics are CLIP_benchmark\'s (zeroshot_retrieval); class retrieval: each class\'s prompt ensemble queries the test images. For a paired comparison of two exports on the same queries (Δ with a paired CI, top-1 changes) use npm run compare.';

function html(c: CombinedRetrieval, plots: Plot[]): string {
  const title = `clip-bench retrieval comparison: ${c.models.join(', ')} on ${c.sets.join(', ')}`;
  const mixed = mixedNote(c);
  const warnings = c.runs.flatMap((run) => run.results.warnings.map((w) => `${run.file}: ${w}`));
  const sections = c.sets.map((set) => {
    const t = setTable(c, set);
    return `<h3 id="${esc(slug(set))}">${esc(set)}</h3><div class="scroll">${table(t.header, t.rows)}</div>${figures(plots.filter((p) => p.dataset === set))}`;
  });
  const body = `<h1>${esc(title)}</h1>
<p>Combined from ${plural(c.runs.length, 'run')} without recomputing anything. ${esc(NOTE)}</p>
${mixed.length ? `<div class="banner"><p><strong>Mixed protocols.</strong></p><ul>${mixed.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></div>` : ''}
<h2>Inputs</h2>${table(['file', 'run', 'model', 'test sets', 'git commit', 'command'], inputRows(c).map(([file, run, model, sets, commit, command]) => [{ html: code(file) }, run, model, sets, { html: code(commit) }, { html: code(command) }]))}
<h2>Retrieval</h2>${sections.join('\n')}
<h2>Warnings</h2>${warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p>None.</p>'}
<h2>Files</h2><p>${code('combined-retrieval.csv')}: one row per run × test set × query (all, or a class) × metric, with its CI, the model label and the source file.</p>`;
  return page(title, body);
}

function markdown(c: CombinedRetrieval): string {
  const md = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const out = [`# clip-bench retrieval comparison: ${c.models.join(', ')}`, '', `Combined from ${plural(c.runs.length, 'run')}. ${NOTE}`, ''];
  for (const m of mixedNote(c)) out.push(`> ${m}`);
  for (const set of c.sets) {
    const t = setTable(c, set);
    out.push('', `## ${set}`, '', md(t.header, t.rows));
  }
  out.push('', '## Inputs', '', md(['file', 'run', 'model', 'test sets', 'git commit', 'command'], inputRows(c).map((r) => r.map((x) => x.replace(/\|/g, '\\|')))), '');
  return out.join('\n');
}

function csvFiles(c: CombinedRetrieval): OutputFile[] {
  const rows = c.runs.flatMap((run) => retrievalRecords(run.results).map((row) => ({ ...row, model: c.cells.find((x) => x.run === run)?.model ?? row.model, source: run.file })));
  return [['combined-retrieval.csv', toCsv([...RETRIEVAL_COLUMNS, 'source'], rows)]];
}

export function combinedRetrievalFiles(c: CombinedRetrieval, formats: readonly Format[]): OutputFile[] {
  return reportFiles(formats, { csv: () => csvFiles(c), md: () => markdown(c), plots: () => combinedRetrievalPlots(c), html: (plots) => html(c, plots) });
}
