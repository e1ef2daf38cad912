/** The files of a combined report: CSV, overlaid few-shot curves, report.html and report.md. */
import { plural } from '../util/plural.ts';
import type { Estimate } from '../results/schema.ts';
import { renderDeltaBars, renderShotsToMatch } from './charts/across-datasets.ts';
import { renderFewShot, type CurveSeries } from './charts/few-shot.ts';
import { compareToBaseline, leaderboard, methodLabel, methods, type Combined } from './combine.ts';
import { toCsv } from './csv.ts';
import { code, esc, figures, page, table } from './html/page.ts';
import type { Plot } from './plot.ts';
import { datasetLabel, runWarnings, slug } from './select.ts';
import { colorAt, pct, signed } from './style.ts';
import { PER_SEED_COLUMNS, perSeedRecords, SUMMARY_COLUMNS, summaryRecords } from './tidy.ts';
import type { Format, OutputFile } from './write.ts';

const fmtEst = (e: Estimate | null, mixed = false) => (e ? `${pct(e.mean)} [${pct(e.ci[0])}, ${pct(e.ci[1])}]${mixed ? ' †' : ''}` : '—');

export function combinedPlots(c: Combined): Plot[] {
  const plots: Plot[] = [];
  for (const d of c.datasets) {
    const cells = c.cells.filter((x) => datasetLabel(x.ds) === d);
    const series: CurveSeries[] = cells.map((x) => {
      const color = colorAt(c.models.indexOf(x.model));
      return { name: x.model, probeColor: color, zeroShotColor: color, ds: x.ds };
    });
    const sub = [`${plural(cells.length, 'model')}; solid: linear probe mean with 95% CI band; dashed: zero-shot with its band`];
    plots.push({ file: `${slug(d)}-few-shot.png`, dataset: d, caption: `${d}: few-shot curves, one colour per model`, png: renderFewShot(`${d}: zero-shot vs few-shot linear probe`, sub, series) });
  }
  for (const model of c.models) {
    const dsets = c.cells.filter((x) => x.model === model && x.ds.shift === 'none').map((x) => x.ds);
    const delta = renderDeltaBars(dsets, model);
    if (delta) plots.push({ file: `${slug(model)}-zero-shot-minus-probe.png`, dataset: null, caption: `${model}: zero-shot minus k-shot probe per dataset`, png: delta });
    const match = renderShotsToMatch(dsets, model);
    if (match) plots.push({ file: `${slug(model)}-shots-to-match-zero-shot.png`, dataset: null, caption: `${model}: shots per class to match zero-shot`, png: match });
  }
  return plots;
}

function csvFiles(c: Combined): OutputFile[] {
  const mixedOf = (run: Combined['runs'][number], row: Record<string, unknown>) =>
    c.cells.find((x) => x.run === run && x.ds.name === row.dataset && x.ds.shift === row.shift)?.mixed.join('; ') ?? '';
  const summary = c.runs.flatMap((run) => {
    const model = c.cells.find((x) => x.run === run)!.model;
    return summaryRecords(run.results).map((row) => ({ ...row, model, source: run.file, mixed: mixedOf(run, row) }));
  });
  const perSeed = c.runs.flatMap((run) => {
    const model = c.cells.find((x) => x.run === run)!.model;
    return perSeedRecords(run.results).map((row) => ({ ...row, model, source: run.file }));
  });
  return [
    ['combined.csv', toCsv([...SUMMARY_COLUMNS, 'source', 'mixed'], summary)],
    ['combined-per-seed.csv', toCsv([...PER_SEED_COLUMNS, 'source'], perSeed)],
  ];
}

/** Rows of the model × dataset table for one method (cells "mean [CI]", † where protocols were mixed). */
function leaderRows(c: Combined, m: ReturnType<typeof methods>[number]): string[][] {
  return leaderboard(c, m).map((row) => [
    row.model,
    ...row.perDataset.map((e, j) => fmtEst(e, !!c.cells.find((x) => x.model === row.model && datasetLabel(x.ds) === c.datasets[j])?.mixed.length)),
    row.meanTop1 === null ? '—' : pct(row.meanTop1),
    row.meanRank === null ? '—' : row.meanRank.toFixed(2),
    `${row.datasetsCovered}/${c.datasets.length}`,
  ]);
}

const leaderHeader = (c: Combined) => ['model', ...c.datasets.map((d) => `${d} top-1 % [95% CI]`), 'mean top-1 %', 'mean rank', 'datasets'];
const comparisonHeader = ['model', 'dataset', 'method', 'Δ top-1 (points) vs baseline', 'approx. 95% CI'];

function comparisonRows(c: Combined): string[][] {
  return compareToBaseline(c).map((r) => [r.model, r.dataset, methodLabel(r.method), `${signed(r.delta.mean)}${r.mixed ? ' †' : ''}`, `[${pct(r.delta.ci[0])}, ${pct(r.delta.ci[1])}]`]);
}

const COMPARISON_NOTE =
  'Δ = model − baseline (the first model given). The interval is approximate: it combines the two runs\' own 95% intervals by MOVER (Zou & Donner 2008), treating them as independent; both are scored on the same test images, so it is conservative.';

function inputRows(c: Combined): string[][] {
  return c.runs.map((run) => {
    const r = run.results;
    return [run.file, r.runId, c.cells.find((x) => x.run === run)!.model, r.datasets.map(datasetLabel).join(', '), r.environment.gitCommit ?? '—', r.command.argv.join(' ')];
  });
}

function mixedNote(c: Combined): string[] {
  if (!c.differences.length) return [];
  return [
    '† marks cells whose run used a different protocol from the first run (combined with --allow-mixed):',
    ...c.differences.map((d) => `${d.field}: ${d.values.map((v) => `${v.file} = ${v.value}`).join('; ')}`),
  ];
}

function html(c: Combined, plots: Plot[]): string {
  const title = `clip-bench comparison: ${c.models.join(', ')} on ${c.datasets.join(', ')}`;
  const warnings = c.runs.flatMap((run) => runWarnings(run.results).map((w) => `${run.file}: ${w}`));
  const mixed = mixedNote(c);
  const p = c.runs[0].results.protocol;
  const sections = methods(c).map((m) => `<h3>${esc(methodLabel(m))}</h3>${table(leaderHeader(c), leaderRows(c, m))}`);
  const body = `<h1>${esc(title)}</h1>
<p>Combined from ${plural(c.runs.length, 'run')} without recomputing anything: every number is copied from a results.json. Top-1 in %, mean [95% bootstrap CI]; mean rank over the datasets each model has (1 = best, ties share ranks), as in CLIP_benchmark's leaderboards.</p>
${mixed.length ? `<div class="banner"><p><strong>Mixed protocols.</strong></p><ul>${mixed.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></div>` : ''}
<h2>Inputs</h2>${table(['file', 'run', 'model', 'datasets', 'git commit', 'command'], inputRows(c).map(([file, run, model, datasets, commit, command]) => [{ html: code(file) }, run, model, datasets, { html: code(commit) }, { html: code(command) }]))}
<p>Protocol: seeds ${esc(p.seeds.join(', '))}; solver ${esc(p.solver)}; C grid ${esc(p.cGrid.join(', '))} + ${esc(p.refineSteps)} refinement steps${p.probeFit?.search === 'grid' ? ' (<strong>grid-only C search, opt-in: not comparable to CoOp / CLIP A.3 tables</strong>)' : ''}; ${esc(p.bootstrap.resamples)} bootstrap resamples (seed ${esc(p.bootstrap.seed)}); limit ${esc(p.limit ?? 'none')}. Full provenance is in each run's own report.html beside its results.json.</p>
<h2>Model × dataset</h2>${sections.join('\n')}
${c.models.length > 1 ? `<h2>Comparison with ${esc(c.models[0])}</h2><p>${esc(COMPARISON_NOTE)}</p>${table(comparisonHeader, comparisonRows(c))}` : ''}
<h2>Few-shot curves</h2>${figures(plots.filter((x) => x.dataset !== null))}
${plots.some((x) => x.dataset === null) ? `<h2>Across datasets</h2>${figures(plots.filter((x) => x.dataset === null))}` : ''}
<h2>Warnings</h2>${warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p>None.</p>'}
<h2>Files</h2><p>${code('combined.csv')} (one row per model × dataset × shift × method × shots) and ${code('combined-per-seed.csv')}; column meanings are in the README's Reports section.</p>`;
  return page(title, body);
}

function markdown(c: Combined): string {
  const md = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const out = [`# clip-bench comparison: ${c.models.join(', ')}`, '', `Combined from ${plural(c.runs.length, 'run')}; top-1 %, mean [95% CI]; mean rank over the datasets each model has.`, ''];
  for (const m of mixedNote(c)) out.push(`> ${m}`);
  for (const m of methods(c)) out.push('', `## ${methodLabel(m)}`, '', md(leaderHeader(c), leaderRows(c, m)));
  if (c.models.length > 1) out.push('', `## Comparison with ${c.models[0]}`, '', COMPARISON_NOTE, '', md(comparisonHeader, comparisonRows(c)));
  out.push('', '## Inputs', '', md(['file', 'run', 'model', 'datasets', 'git commit', 'command'], inputRows(c).map((r) => r.map((x) => x.replace(/\|/g, '\\|')))), '');
  return out.join('\n');
}

/** The files of a combined report in the asked-for formats; each part is made only when a format needs it. */
export function reportFiles(formats: readonly Format[], parts: { csv: () => OutputFile[]; md: () => string; plots: () => Plot[]; html: (plots: Plot[]) => string }): OutputFile[] {
  const files: OutputFile[] = [];
  if (formats.includes('csv')) files.push(...parts.csv());
  if (formats.includes('md')) files.push(['report.md', parts.md()]);
  if (formats.includes('png') || formats.includes('html')) {
    const plots = parts.plots();
    if (formats.includes('png')) for (const p of plots) files.push([`plots/${p.file}`, p.png]);
    if (formats.includes('html')) files.push(['report.html', parts.html(plots)]);
  }
  return files;
}

export function combinedReportFiles(c: Combined, formats: readonly Format[]): OutputFile[] {
  return reportFiles(formats, { csv: () => csvFiles(c), md: () => markdown(c), plots: () => combinedPlots(c), html: (plots) => html(c, plots) });
}
