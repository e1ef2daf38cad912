/**
 * Report pieces of --task retrieval records: a tidy CSV (metric names as CLIP_benchmark's where it has them),
 * the recall@k curve, per-class AP bars, and the HTML section. Read only from the results record.
 */
import type { ChartConfiguration } from 'chart.js';
import type { BenchResults, RetrievalRecord } from '../results/schema.ts';
import { perClassRetrievalRows, RETRIEVAL_HEADER, retrievalRows, retrievalTitle } from '../results/retrieval-table.ts';
import type { Cell } from './csv.ts';
import type { Plot } from './plot.ts';
import { renderChart } from './render.ts';
import { colorAt, headings, withAlpha } from './style.ts';
import { esc, figures, table } from './html/page.ts';
import { slug } from './select.ts';

export const RETRIEVAL_COLUMNS = ['run_id', 'model', 'dataset', 'kind', 'shift', 'query', 'metric', 'value', 'ci_low', 'ci_high'] as const;

export function retrievalRecords(r: BenchResults): Record<string, Cell>[] {
  const rows: Record<string, Cell>[] = [];
  for (const rec of r.retrieval ?? []) {
    const base = { run_id: r.runId, model: r.model.name, dataset: rec.dataset, kind: rec.kind, shift: rec.shift };
    for (const [metric, e] of Object.entries(rec.metrics)) rows.push({ ...base, query: 'all', metric, value: e.mean, ci_low: e.ci[0], ci_high: e.ci[1] });
    for (const c of rec.perClass ?? []) {
      rows.push({ ...base, query: c.class, metric: 'AP', value: c.ap.mean, ci_low: c.ap.ci[0], ci_high: c.ap.ci[1] });
      rec.ks.forEach((k, x) => {
        rows.push({ ...base, query: c.class, metric: `precision@${k}`, value: c.precisionAt[x].mean, ci_low: c.precisionAt[x].ci[0], ci_high: c.precisionAt[x].ci[1] });
        rows.push({ ...base, query: c.class, metric: `recall@${k}`, value: c.recallAt[x].mean, ci_low: c.recallAt[x].ci[0], ci_high: c.recallAt[x].ci[1] });
      });
    }
  }
  return rows;
}

const recordSlug = (rec: RetrievalRecord) => slug(`${rec.dataset}${rec.shift !== 'none' ? `-${rec.shift}` : ''}`);

/** recall@k against k with its 95% CI band: one line per direction (caption), or the class-query means of recall@k and precision@k. */
function recallCurve(rec: RetrievalRecord, model: string): Buffer {
  const series: [string, string][] =
    rec.kind === 'caption'
      ? [['image_retrieval_recall', 'text → image (image_retrieval_recall@k)'], ['text_retrieval_recall', 'image → text (text_retrieval_recall@k)']]
      : [['recall', 'class prompt → images: recall@k (mean over classes)'], ['precision', 'precision@k (mean over classes)']];
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
  series.forEach(([prefix, label], i) => {
    const name = (k: number) => `${prefix}@${k}`;
    const pts = rec.ks.map((k) => rec.metrics[name(k)]);
    const color = colorAt(i);
    datasets.push({ label: '', data: pts.map((e, x) => ({ x: rec.ks[x], y: 100 * e.ci[1] })), borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
    datasets.push({ label: '', data: pts.map((e, x) => ({ x: rec.ks[x], y: 100 * e.ci[0] })), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: withAlpha(color, 0.18), borderColor: 'transparent' });
    datasets.push({ label, data: pts.map((e, x) => ({ x: rec.ks[x], y: 100 * e.mean })), borderColor: color, backgroundColor: color, borderWidth: 2.5, pointRadius: 4, fill: false });
  });
  const what = rec.kind === 'caption' ? `${rec.captions} captions × ${rec.images} images` : `${rec.queries} class queries × ${rec.images} test images`;
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { datasets },
    options: {
      plugins: { ...headings(`${rec.dataset}${rec.shift !== 'none' ? ` [${rec.shift}]` : ''}: ${rec.kind === 'caption' ? 'recall@k' : 'recall@k and precision@k'}`, [`${model}; ${what}`, 'band = 95% bootstrap CI']), legend: { position: 'bottom', labels: { filter: (item) => item.text !== '' } } },
      scales: { x: { type: 'logarithmic', min: 1, max: Math.max(...rec.ks), afterBuildTicks: (axis) => void (axis.ticks = rec.ks.map((value) => ({ value }))), ticks: { callback: (v) => String(v) }, title: { display: true, text: 'k (top-k retrieved, log scale)' } }, y: { min: 0, max: 100, title: { display: true, text: rec.kind === 'caption' ? 'recall@k (%)' : '%' } } },
    },
  };
  return renderChart(config, { width: 1000, height: 620 });
}

/** Per-class AP as horizontal bars, best first, with CI whiskers drawn as a floating bar behind. */
function apBars(rec: RetrievalRecord, model: string): Buffer {
  const rows = [...(rec.perClass ?? [])].filter((c) => Number.isFinite(c.ap.mean)).sort((a, b) => b.ap.mean - a.ap.mean);
  const shown = rows.length > 40 ? [...rows.slice(0, 20), ...rows.slice(-20)] : rows;
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: shown.map((c) => c.class),
      datasets: [
        { label: 'AP (%)', data: shown.map((c) => 100 * c.ap.mean), backgroundColor: colorAt(0), grouped: false, order: 1 },
        { label: '95% CI', data: shown.map((c) => [100 * c.ap.ci[0], 100 * c.ap.ci[1]] as [number, number]), backgroundColor: withAlpha('#000000', 0.18), grouped: false, order: 0, barPercentage: 0.3 },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: { ...headings(`${rec.dataset}${rec.shift !== 'none' ? ` [${rec.shift}]` : ''}: average precision per class query`, [`${model}; mAP ${(100 * rec.metrics.mAP.mean).toFixed(1)}%${rows.length > shown.length ? `; the 20 best and 20 worst of ${rows.length} classes` : ''}`]), legend: { position: 'top' } },
      scales: { x: { min: 0, max: 100, title: { display: true, text: 'average precision (%)' } }, y: { ticks: { autoSkip: false } } },
    },
  };
  return renderChart(config, { width: 1000, height: Math.max(420, 170 + shown.length * 26) });
}

export function retrievalPlots(r: BenchResults): Plot[] {
  const model = `${r.model.name}${r.model.demo ? ' (demo model, not CLIP)' : ''}`;
  const plots: Plot[] = [];
  for (const rec of r.retrieval ?? []) {
    const s = recordSlug(rec);
    plots.push({ file: `${s}-retrieval-recall.png`, dataset: `retrieval:${s}`, caption: `${rec.dataset}${rec.shift !== 'none' ? ` (${rec.shift})` : ''}: recall@k`, png: recallCurve(rec, model) });
    if (rec.perClass?.length) plots.push({ file: `${s}-retrieval-ap.png`, dataset: `retrieval:${s}`, caption: `${rec.dataset}${rec.shift !== 'none' ? ` (${rec.shift})` : ''}: AP per class query`, png: apBars(rec, model) });
  }
  return plots;
}

/** The report.html section of every retrieval record (empty when the run has none). */
export function retrievalHtml(r: BenchResults, plots: Plot[]): string {
  const recs = r.retrieval ?? [];
  if (!recs.length) return '';
  const defs =
    '<p>Caption retrieval follows CLIP_benchmark\'s <code>zeroshot_retrieval</code>: <code>image_retrieval_recall@k</code> is the share of captions whose image is among the k images scoring highest for it; <code>text_retrieval_recall@k</code> the share of images with at least one of their captions among the k highest-scoring captions; the median rank is that of the first relevant item. Class retrieval: each class\'s prompt ensemble is a query over the test images, its images relevant; AP per class, mAP and macro P@k, R@k. 95% percentile-bootstrap CIs over queries (captions, images) or, for class retrieval, over test images.</p>';
  return `<h2 id="retrieval">Retrieval</h2>${defs}${recs
    .map((rec) => {
      const pc = perClassRetrievalRows(rec);
      return `<h3 id="retrieval-${esc(recordSlug(rec))}">${esc(retrievalTitle(rec, r.model.name))}</h3>
<p>Source ${esc(rec.provenance.source)}.</p>
${table(RETRIEVAL_HEADER, retrievalRows(rec))}
${figures(plots.filter((p) => p.dataset === `retrieval:${recordSlug(rec)}`))}
${pc.rows.length ? `<h4>Per class query</h4><div class="scroll">${table(pc.header, pc.rows)}</div>` : ''}`;
    })
    .join('\n')}`;
}
