/**
 * Per-class top-1, zero-shot against the largest-k probe, as horizontal bars sorted by zero-shot
 * accuracy (by the probe's when zero-shot is unavailable). Beyond MAX_ROWS classes (QuickDraw has 345)
 * only the best and worst MAX_ROWS/2 are drawn, with the count left out in the chart; every class is
 * in the HTML table.
 */
import type { ChartConfiguration } from 'chart.js';
import { plural } from '../../util/plural.ts';
import type { DatasetResult } from '../../results/schema.ts';
import { renderChart } from '../render.ts';
import { largestProbe, probeKind, probePerClass, zeroShotMetrics } from '../select.ts';
import { probeMethodLabel } from '../../results/probe-fit.ts';
import { headings, PROBE_COLOR, ZERO_SHOT_COLOR } from '../style.ts';

export const MAX_ROWS = 40;

export interface PerClassRow {
  cls: string;
  zeroShot: number | null;
  probe: number | null;
}

export function perClassRows(ds: DatasetResult): PerClassRow[] {
  const zs = zeroShotMetrics(ds)?.perClassAccuracy;
  const p = largestProbe(ds);
  const pr = p ? probePerClass(p) : null;
  return ds.classes.map((cls, i) => ({ cls, zeroShot: zs?.[i] ?? null, probe: pr?.[i] ?? null }));
}

/** Sorted descending by the key; classes without a value last; ties keep the class order. */
export function sortRows(rows: PerClassRow[], key: 'zeroShot' | 'probe'): PerClassRow[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (b.r[key] ?? -1) - (a.r[key] ?? -1) || a.i - b.i)
    .map((x) => x.r);
}

/** The rows to draw and how many were left out in the middle. */
export function shownRows(sorted: PerClassRow[]): { rows: (PerClassRow | null)[]; hidden: number } {
  if (sorted.length <= MAX_ROWS) return { rows: sorted, hidden: 0 };
  const half = MAX_ROWS / 2;
  return { rows: [...sorted.slice(0, half), null, ...sorted.slice(-half)], hidden: sorted.length - MAX_ROWS };
}

export function renderPerClass(ds: DatasetResult, title: string): Buffer | null {
  const probe = largestProbe(ds);
  const hasZs = zeroShotMetrics(ds) !== null;
  if (!probe && !hasZs) return null;
  const key = hasZs ? 'zeroShot' : 'probe';
  const { rows, hidden } = shownRows(sortRows(perClassRows(ds), key));
  const labels = rows.map((r) => (r ? r.cls : `(${hidden} more)`));
  const datasets = [];
  if (hasZs) datasets.push({ label: 'zero-shot', data: rows.map((r) => (r?.zeroShot == null ? null : 100 * r.zeroShot)), backgroundColor: ZERO_SHOT_COLOR });
  if (probe) datasets.push({ label: `${probeKind(probe.shots)} ${probeMethodLabel(probe)} (mean over ${plural(probe.perSeed.length, 'seed')})`, data: rows.map((r) => (r?.probe == null ? null : 100 * r.probe)), backgroundColor: PROBE_COLOR });
  const subtitle = [`sorted by ${hasZs ? 'zero-shot' : 'probe'} accuracy`];
  if (hidden) subtitle.push(`${ds.classes.length} classes: the ${MAX_ROWS / 2} best and ${MAX_ROWS / 2} worst are shown; every class is in the report's table and results.json`);
  const perRow = datasets.length * 11 + 8;
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels, datasets },
    options: {
      indexAxis: 'y',
      plugins: {
        ...headings(title, subtitle),
        legend: { position: 'top' },
      },
      scales: {
        x: { min: 0, max: 100, title: { display: true, text: 'per-class top-1 accuracy (%)' } },
        y: { ticks: { autoSkip: false, font: { size: 14 } } },
      },
    },
  };
  return renderChart(config, { width: 1100, height: Math.max(420, 190 + rows.length * perRow) });
}
