/**
 * Retrieval charts, for one run or several overlaid: recall@k (and precision@k) against k on a log axis
 * with 95% CI bands, and average precision per class query as horizontal bars.
 */
import type { ChartConfiguration } from 'chart.js';
import type { RetrievalRecord, ValueEstimate } from '../../results/schema.ts';
import { renderChart } from '../render.ts';
import { headings, withAlpha } from '../style.ts';

/** One line of a recall@k chart: the record's metric `<prefix>@k` at each of its ks. */
export interface KCurve {
  label: string;
  rec: RetrievalRecord;
  prefix: string;
  color: string;
  dashed?: boolean;
}

/** The lines a record draws: both directions of caption retrieval, or class queries' recall@k and precision@k. */
export function recordCurves(rec: RetrievalRecord, color: (line: number) => string, name = ''): KCurve[] {
  const pre = name ? `${name}: ` : '';
  return rec.kind === 'caption'
    ? [
        { label: `${pre}text → image (image_retrieval_recall@k)`, rec, prefix: 'image_retrieval_recall', color: color(0) },
        { label: `${pre}image → text (text_retrieval_recall@k)`, rec, prefix: 'text_retrieval_recall', color: color(1), dashed: !!name },
      ]
    : [
        { label: `${pre}recall@k (mean over class queries)`, rec, prefix: 'recall', color: color(0) },
        { label: `${pre}precision@k (mean over class queries)`, rec, prefix: 'precision', color: color(1), dashed: !!name },
      ];
}

export function renderRecallCurves(title: string, subtitle: string[], curves: KCurve[]): Buffer {
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
  for (const c of curves) {
    const pts = c.rec.ks.map((k) => ({ k, e: c.rec.metrics[`${c.prefix}@${k}`] })).filter((p) => p.e);
    datasets.push({ label: '', data: pts.map((p) => ({ x: p.k, y: 100 * p.e.ci[1] })), borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
    datasets.push({ label: '', data: pts.map((p) => ({ x: p.k, y: 100 * p.e.ci[0] })), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: withAlpha(c.color, 0.15), borderColor: 'transparent' });
    datasets.push({ label: c.label, data: pts.map((p) => ({ x: p.k, y: 100 * p.e.mean })), borderColor: c.color, backgroundColor: c.color, borderWidth: 2.5, borderDash: c.dashed ? [8, 5] : undefined, pointRadius: 4, fill: false });
  }
  const ks = [...new Set(curves.flatMap((c) => c.rec.ks))].sort((a, b) => a - b);
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { datasets },
    options: {
      plugins: { ...headings(title, [...subtitle, 'band = 95% bootstrap CI']), legend: { position: 'bottom', labels: { filter: (item) => item.text !== '' } } },
      scales: {
        x: { type: 'logarithmic', min: 1, max: Math.max(...ks), afterBuildTicks: (axis) => void (axis.ticks = ks.map((value) => ({ value }))), ticks: { callback: (v) => String(v) }, title: { display: true, text: 'k (top-k retrieved, log scale)' } },
        y: { min: 0, max: 100, title: { display: true, text: '%' } },
      },
    },
  };
  return renderChart(config, { width: 1000, height: 620 });
}

/** One model's AP per class (in the order of `classes`). */
export interface ApSeries {
  name: string;
  color: string;
  ap: (ValueEstimate | undefined)[];
}

/**
 * AP per class query as horizontal bars, ordered by the first series' AP (best first; the 20 best and 20
 * worst beyond 40 classes). One series: its CI as a grey floating bar behind; several: grouped bars.
 */
export function renderApBars(title: string, subtitle: string[], classes: string[], series: ApSeries[]): Buffer {
  const order = classes.map((c, i) => ({ c, i, ap: series[0].ap[i]?.mean ?? NaN })).filter((x) => Number.isFinite(x.ap)).sort((a, b) => b.ap - a.ap);
  const shown = order.length > 40 ? [...order.slice(0, 20), ...order.slice(-20)] : order;
  const one = series.length === 1;
  const bars: ChartConfiguration<'bar'>['data']['datasets'] = series.map((s) => ({ label: one ? 'AP (%)' : s.name, data: shown.map((x) => 100 * (s.ap[x.i]?.mean ?? NaN)), backgroundColor: s.color, grouped: !one, order: 1 }));
  if (one) bars.push({ label: '95% CI', data: shown.map((x) => [100 * series[0].ap[x.i]!.ci[0], 100 * series[0].ap[x.i]!.ci[1]] as [number, number]), backgroundColor: withAlpha('#000000', 0.18), grouped: false, order: 0, barPercentage: 0.3 });
  const sub = [...subtitle, ...(order.length > shown.length ? [`the 20 best and 20 worst of ${order.length} classes`] : [])];
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels: shown.map((x) => x.c), datasets: bars },
    options: {
      indexAxis: 'y',
      plugins: { ...headings(title, sub), legend: { position: 'top' } },
      scales: { x: { min: 0, max: 100, title: { display: true, text: 'average precision (%)' } }, y: { ticks: { autoSkip: false } } },
    },
  };
  return renderChart(config, { width: 1000, height: Math.max(420, 170 + shown.length * (one ? 26 : 10 + 12 * series.length)) });
}
