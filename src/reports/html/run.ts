/** report.html for one run: summary, warnings, plots, per-class tables, provenance. */
import type { BenchResults, DatasetResult, Estimate } from '../../results/schema.ts';
import { breakEvenLine, SUMMARY_HEADER, summaryRows } from '../../results/markdown.ts';
import { plural } from '../../util/plural.ts';
import { perClassRows, sortRows } from '../charts/per-class.ts';
import type { Plot } from '../plot.ts';
import { cleanDatasets, datasetLabel, largestProbe, methodLabel, probeKind, robustnessOf, runWarnings, shiftFidelity, shiftedOf, shiftSuite, slug, sortedProbes } from '../select.ts';
import { pct, signed } from '../style.ts';
import { code, esc, figures, page, table } from './page.ts';
import { provenanceSection } from './provenance.ts';
import { retrievalHtml } from '../retrieval.ts';

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

const est = (e: Estimate | null | undefined) => (e ? `${pct(e.mean)} [${pct(e.ci[0])}, ${pct(e.ci[1])}]` : '—');

const ROBUSTNESS_PLOTS =
  'How to read the robustness scatters (Taori et al. 2020; CLIP Fig. 13/14): each probe is a point at its clean and shifted top-1 on logit axes, ' +
  'where the probes of one feature extractor tend to fall on a line; a model on y = x loses nothing under the shift. Zero-shot\'s effective ' +
  'robustness is its vertical distance above (+) or below (−) the probes\' line at its own clean accuracy, in points of top-1.';

/** Distribution shifts of one test set: top-1 per shift, and the robustness record's summary. */
function shiftSection(r: BenchResults, ds: DatasetResult, plots: Plot[]): string {
  const shifted = shiftedOf(r, ds);
  if (!shifted.length) return '';
  const shots = sortedProbes(ds).map((p) => p.shots);
  const header = ['test set', 'fidelity', 'zero-shot top-1 %', ...shots.map((s) => `${probeKind(s)} probe top-1 %`)];
  const row = (d: DatasetResult) => [
    d.shift === 'none' ? 'clean' : d.shift,
    shiftFidelity(d),
    est(d.zeroShot.available ? d.zeroShot.top1 : null),
    ...shots.map((s) => est(d.probes.find((p) => p.shots === s)?.top1)),
  ];
  const robs = robustnessOf(r, ds);
  const robTable = (rob: (typeof robs)[number]) =>
    `<p>${esc(rob.suite)} (${plural(rob.shifts.length, 'shifted test set')}):</p>` +
    table(
        ['method', 'clean %', 'mean shifted %', 'mean drop (points)', 'mean retained %', 'mCA %', 'mCE (unnormalised)'],
        rob.methods.map((m) => [
          methodLabel(m),
          pct(m.clean), pct(m.meanShifted), signed(m.meanDrop), m.meanRetained === null ? '—' : pct(m.meanRetained),
          m.corruptions?.mCA == null ? '—' : pct(m.corruptions.mCA), m.corruptions?.mCE == null ? '—' : m.corruptions.mCE.toFixed(3),
        ]),
      ) +
    erLine(rob.effectiveRobustness);
  const erLine = (er: (typeof robs)[number]['effectiveRobustness']) => er ? `<p>Zero-shot effective robustness (Taori et al. 2020, against the probes' logit-linear trend): ${er.value === null ? 'not measurable' : `${signed(er.value)} points`}${er.flag ? ` (${esc(er.flag)})` : ''}.</p>` : '';
  return `<h3>Distribution shifts</h3>
<p>${esc([...new Set(shifted.map(shiftSuite))].join('; '))}: the same zero-shot head and fitted probes, scored on each shifted test set. Top-1 %, mean [95% CI].</p>
<div class="scroll">${table(header, [ds, ...shifted].map(row))}</div>${robs.map(robTable).join('')}
${robs.length ? `<p>${esc(ROBUSTNESS_PLOTS)}</p>` : ''}
${figures(plots)}`;
}

function datasetSection(r: BenchResults, ds: DatasetResult, plots: Plot[]): string {
  const label = datasetLabel(ds);
  const splits = Object.entries(ds.splits).map(([s, rec]) => `${s} ${rec!.used} of ${rec!.size}`).join(', ');
  const be = breakEvenLine(ds);
  return `<h2 id="ds-${esc(slug(label))}">${esc(label)}</h2>
<p>${ds.classes.length} classes; ${esc(splits)} images used; source ${esc(ds.provenance.source)}.</p>
${table(SUMMARY_HEADER, summaryRows(ds))}
${be ? `<p>${esc(be)}</p>` : ''}
${figures(plots.filter((p) => !p.shifts))}
${shiftSection(r, ds, plots.filter((p) => p.shifts))}
<h3>Per-class accuracy</h3>${perClassTable(ds)}`;
}

export function renderRunHtml(r: BenchResults, plots: Plot[]): string {
  const title = `clip-bench report: ${r.model.name} on ${[...cleanDatasets(r).map(datasetLabel), ...(r.retrieval ?? []).map((x) => `${x.dataset} (retrieval)`)].join(', ')}`;
  const warnings = runWarnings(r);
  const across = plots.filter((p) => p.dataset === null);
  const retrieval = retrievalHtml(r, plots);
  const body = `<h1>${esc(title)}</h1>
<p>Run ${esc(r.runId)}, ${esc(r.createdAt)}. ${r.task === 'retrieval' ? 'Text-to-image retrieval with frozen embeddings; values in %, [95% bootstrap CI].' : 'Zero-shot classification against k-shot linear probes on frozen features; top-1 in %, mean ± std over seeds [95% bootstrap CI].'}</p>
${r.model.demo ? `<p class="banner"><strong>Demo model, not CLIP.</strong> ${esc(r.model.name)} was trained inside this repository; its numbers say nothing about CLIP itself.</p>` : ''}
<nav><ul>${cleanDatasets(r).map((ds) => `<li><a href="#ds-${esc(slug(datasetLabel(ds)))}">${esc(datasetLabel(ds))}</a></li>`).join('')}${across.length ? '<li><a href="#across">across datasets</a></li>' : ''}${retrieval ? '<li><a href="#retrieval">retrieval</a></li>' : ''}<li><a href="#warnings">warnings</a></li><li><a href="#provenance">provenance</a></li></ul></nav>
<h2 id="warnings">Warnings</h2>
${warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p>None.</p>'}
${cleanDatasets(r).map((ds) => datasetSection(r, ds, plots.filter((p) => p.dataset === datasetLabel(ds)))).join('\n')}
${across.length ? `<h2 id="across">Across datasets</h2>${figures(across)}` : ''}
${retrieval}
${provenanceSection(r)}
<h2>Files</h2><p>Beside this report: ${code('results.json')} (the record everything here is made from), ${code('results.csv')} and ${code('results-per-seed.csv')} (columns in the README's Reports section), and the plots as PNG under ${code('plots/')}.</p>`;
  return page(title, body);
}
