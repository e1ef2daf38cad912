/** compare.html: the verdict and every gate first, then the two exports, then per dataset its table, plots and flips. */
import type { CompareDataset } from '../compare/compare.ts';
import { CLASSIFIER_HEADER, classifierRows, embeddingsLine, FLIP_CLASS_HEADER, FLIP_PAIR_HEADER, flipClassRows, flipPairRows, flipPairsCaption, flipSummary, flipTables, type CompareExport, type CompareRecord } from '../compare/markdown.ts';
import type { GateResult } from '../compare/gates.ts';
import { code, esc, figures, page, table } from './html/page.ts';
import type { Plot } from './plot.ts';
import { slug } from './select.ts';

/** The gate's measured value and limit as the verdict line words them (points for max-drop). */
function gateRow(g: GateResult): (string | { html: string })[] {
  const drop = g.gate === 'max-drop';
  // Cosines sit within 1e-4 of 1: six decimals keep 0.99999 from reading as 1.0000.
  const m = g.measured;
  const measured = m === null ? `not measured (${g.note ?? 'no value'})` : drop ? `${m >= 0 ? '+' : ''}${m.toFixed(2)} points` : m.toFixed(g.gate === 'min-cosine' ? 6 : 4);
  const limit = drop ? `≥ ${g.limit} points` : `${g.gate.startsWith('max') ? '≤' : '≥'} ${g.limit}`;
  return [g.gate, g.where, measured, limit, { html: g.passed ? 'pass' : '<strong class="fail">FAIL</strong>' }];
}

function verdictSection(r: CompareRecord): string {
  const failed = r.gates.filter((g) => !g.passed);
  const pass = failed.length === 0;
  const preset = r.protocol?.preset ? ` (preset ${esc(r.protocol.preset)}${r.protocol.gates ? `: ${esc(Object.entries(r.protocol.gates).map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${v}`).join(', '))}` : ''})` : '';
  return `<p class="verdict ${pass ? 'pass' : 'fail'}"><strong>${pass ? 'PASS' : 'FAIL'}</strong>: ${pass ? `every one of ${r.gates.length} gate checks passed` : `${failed.length} of ${r.gates.length} gate checks failed`}${preset}.</p>
<p>${code(r.verdict)}</p>
${table(['gate', 'where', 'measured', 'limit', 'result'], r.gates.map(gateRow))}`;
}

function exportsSection(r: CompareRecord): string {
  const ident = (role: 'reference' | 'candidate', e: CompareExport) =>
    e.files.map((f, i) => [
      i === 0 ? role : '',
      i === 0 ? `${e.name}${e.variant ? ` (${e.variant})` : ''}` : '',
      i === 0 ? { html: e.baseline ? `stored baseline ${code(e.baseline)}` : code(e.ref ?? '') } : '',
      f.role,
      { html: code(f.sha256) },
      `${(f.bytes / 1e6).toFixed(2)} MB`,
    ]);
  const speed = Object.entries(r.speed ?? {}).map(([k, v]) => `${k} ${v === null ? 'not measured (every row from the feature cache, or a stored baseline)' : `${v.toFixed(0)} images/s`}`);
  return `<h2 id="exports">Exports</h2>
${table(['', 'name', 'from', 'file', 'SHA-256', 'size'], [...ident('reference', r.reference), ...ident('candidate', r.candidate)])}
<p>Encode speed (test rows, ${esc(r.protocol?.threads ?? '?')} threads for both): ${speed.length ? esc(speed.join('; ')) : '—'}.</p>
<p>Command: ${code(r.command.argv.join(' '))}${r.createdAt ? `, ${esc(r.createdAt)}` : ''}.</p>`;
}

const FLIPS_NOTE = 'Negative flip: the reference was right and the candidate is wrong; positive flip: the reverse (Yan et al. 2021). Net Δ per class = (positive − negative) / rows. "Most frequent changes" counts every row whose predicted class changed, including wrong → another wrong class.';

function flipsSection(d: CompareDataset): string {
  const tables = flipTables(d);
  if (!tables.length) return '';
  return `<h3>Flips</h3><p>${esc(FLIPS_NOTE)}</p>${tables
    .map(({ name, flips }) => {
      const head = `<h4>${esc(name)}</h4><p>${esc(flipSummary(flips))}</p>`;
      if (!flips.changed) return head;
      return `${head}<div class="flips"><div><p>Classes with flips:</p><div class="scroll">${table(FLIP_CLASS_HEADER, flipClassRows(flips))}</div></div><div><p>${esc(flipPairsCaption(flips))}</p>${table(FLIP_PAIR_HEADER, flipPairRows(flips))}</div></div>`;
    })
    .join('\n')}`;
}

function datasetSection(d: CompareDataset, plots: Plot[]): string {
  return `<h2 id="ds-${esc(slug(d.dataset))}">${esc(d.dataset)} (n = ${d.n})</h2>
${table(CLASSIFIER_HEADER, classifierRows(d))}
<p>${esc(embeddingsLine(d))}</p>
${figures(plots)}
${flipsSection(d)}`;
}

/** Extra rules for this page only (the shared shell's CSS stays the run report's). */
const STYLE = `<style>
.verdict { font-size: 1.25rem; padding: .7rem 1rem; border-radius: 4px; border: 1px solid; }
.verdict.pass { background: #e6f4ea; border-color: #2ca02c; } .verdict.fail { background: #fde2e2; border-color: #d62728; }
strong.fail { color: #b00; }
.flips { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-start; }
</style>`;

export function renderCompareHtml(r: CompareRecord, plots: Plot[]): string {
  const title = `clip-bench comparison: ${r.candidate.name}${r.candidate.variant ? ` (${r.candidate.variant})` : ''} against ${r.reference.name}${r.reference.variant ? ` (${r.reference.variant})` : ''}`;
  const body = `${STYLE}
<h1>${esc(title)}</h1>
<p>Both exports on the same test rows (and the same k-shot draws and C grid for probes); Δ = candidate − reference, with paired statistics.</p>
${verdictSection(r)}
<nav><ul><li><a href="#exports">exports</a></li>${r.datasets.map((d) => `<li><a href="#ds-${esc(slug(d.dataset))}">${esc(d.dataset)}</a></li>`).join('')}</ul></nav>
${exportsSection(r)}
${r.datasets.map((d) => datasetSection(d, plots.filter((p) => p.dataset === d.dataset))).join('\n')}
<h2>Files</h2><p>Beside this page: ${code('compare.json')} (the record everything here is made from), ${code('compare.md')}, and the plots as PNG under ${code('plots/')}.</p>`;
  return page(title, body);
}
