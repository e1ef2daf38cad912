/** report.html for one run: summary, warnings, plots, per-class tables, provenance. */
import type { BenchResults, DatasetResult } from '../../results/schema.ts';
import { breakEvenLine, SUMMARY_HEADER, summaryRows } from '../../results/markdown.ts';
import { plural } from '../../util/plural.ts';
import { perClassRows, sortRows } from '../charts/per-class.ts';
import type { Plot } from '../plots.ts';
import { datasetLabel, largestProbe, probeKind, runWarnings, slug } from '../select.ts';
import { pct, signed } from '../style.ts';
import { code, esc, figures, page, table } from './page.ts';
import { provenanceSection } from './provenance.ts';

const acc = (x: number | null) => (x === null ? '—' : pct(x));

function perClassTable(ds: DatasetResult): string {
  const p = largestProbe(ds);
  const hasZs = ds.zeroShot.available && !!ds.zeroShot.metrics;
  const rows = sortRows(perClassRows(ds), hasZs ? 'zeroShot' : 'probe');
  const k = p ? `${probeKind(p.shots)} probe %` : null;
  const header = ['class', ...(hasZs ? ['zero-shot %'] : []), ...(k ? [k] : []), ...(hasZs && k ? ['probe − zero-shot (points)'] : [])];
  const body = rows.map((r) => [
    r.cls,
    ...(hasZs ? [acc(r.zeroShot)] : []),
    ...(k ? [acc(r.probe)] : []),
    ...(hasZs && k ? [r.zeroShot === null || r.probe === null ? '—' : signed(r.probe - r.zeroShot)] : []),
  ]);
  return `<p>Test top-1 per class${p ? `; the probe's is the mean over its ${plural(p.perSeed.length, 'seed')}` : ''}. ${rows.length} classes.</p><div class="scroll">${table(header, body)}</div>`;
}

function datasetSection(ds: DatasetResult, plots: Plot[]): string {
  const label = datasetLabel(ds);
  const splits = Object.entries(ds.splits).map(([s, rec]) => `${s} ${rec!.used} of ${rec!.size}`).join(', ');
  const be = breakEvenLine(ds);
  return `<h2 id="ds-${esc(slug(label))}">${esc(label)}</h2>
<p>${ds.classes.length} classes; ${esc(splits)} images used; source ${esc(ds.provenance.source)}.</p>
${table(SUMMARY_HEADER, summaryRows(ds))}
${be ? `<p>${esc(be)}</p>` : ''}
${figures(plots)}
<h3>Per-class accuracy</h3>${perClassTable(ds)}`;
}

export function renderRunHtml(r: BenchResults, plots: Plot[]): string {
  const title = `clip-bench report: ${r.model.name} on ${r.datasets.map(datasetLabel).join(', ')}`;
  const warnings = runWarnings(r);
  const across = plots.filter((p) => p.dataset === null);
  const body = `<h1>${esc(title)}</h1>
<p>Run ${esc(r.runId)}, ${esc(r.createdAt)}. Zero-shot classification against k-shot linear probes on frozen features; top-1 in %, mean ± std over seeds [95% bootstrap CI].</p>
${r.model.demo ? `<p class="banner"><strong>Demo model, not CLIP.</strong> ${esc(r.model.name)} was trained inside this repository; its numbers say nothing about CLIP itself.</p>` : ''}
<nav><ul>${r.datasets.map((ds) => `<li><a href="#ds-${esc(slug(datasetLabel(ds)))}">${esc(datasetLabel(ds))}</a></li>`).join('')}${across.length ? '<li><a href="#across">across datasets</a></li>' : ''}<li><a href="#warnings">warnings</a></li><li><a href="#provenance">provenance</a></li></ul></nav>
<h2 id="warnings">Warnings</h2>
${warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p>None.</p>'}
${r.datasets.map((ds) => datasetSection(ds, plots.filter((p) => p.dataset === datasetLabel(ds)))).join('\n')}
${across.length ? `<h2 id="across">Across datasets</h2>${figures(across)}` : ''}
${provenanceSection(r)}
<h2>Files</h2><p>Beside this report: ${code('results.json')} (the record everything here is made from), ${code('results.csv')} and ${code('results-per-seed.csv')} (columns in the README's Reports section), and the plots as PNG under ${code('plots/')}.</p>`;
  return page(title, body);
}
