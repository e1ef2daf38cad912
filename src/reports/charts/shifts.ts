/**
 * Top-1 under each distribution shift of one test set, zero-shot against the largest-k probe (the same
 * zero-shot head and fitted probe, scored on shifted images), with each estimate's 95% CI.
 */
import type { ChartConfiguration } from 'chart.js';
import type { DatasetResult, Estimate } from '../../results/schema.ts';
import { errorBars } from '../chart-plugins.ts';
import { renderChart } from '../render.ts';
import { largestProbe, probeKind } from '../select.ts';
import { probeMethodLabel } from '../../results/probe-fit.ts';
import { headings, PROBE_COLOR, ZERO_SHOT_COLOR } from '../style.ts';

export function renderShifts(clean: DatasetResult, shifted: DatasetResult[], title: string, subtitle: string): Buffer {
  const rows = [clean, ...shifted];
  const probe = largestProbe(clean);
  const zsOf = (ds: DatasetResult) => (ds.zeroShot.available ? (ds.zeroShot.top1 ?? null) : null);
  const probeOf = (ds: DatasetResult) => (probe ? (ds.probes.find((p) => p.shots === probe.shots)?.top1 ?? null) : null);
  const series: { label: string; color: string; est: (Estimate | null)[] }[] = [];
  if (zsOf(clean)) series.push({ label: 'zero-shot', color: ZERO_SHOT_COLOR, est: rows.map(zsOf) });
  if (probe) series.push({ label: `${probeKind(probe.shots)} ${probeMethodLabel(probe)} (mean over seeds)`, color: PROBE_COLOR, est: rows.map(probeOf) });
  const ci = (e: Estimate | null): [number, number] | null => (e ? [100 * e.ci[0], 100 * e.ci[1]] : null);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: rows.map((ds) => (ds.shift === 'none' ? 'clean' : ds.shift)),
      datasets: series.map((s) => ({ label: s.label, data: s.est.map((e) => (e ? 100 * e.mean : null)), backgroundColor: s.color })),
    },
    options: {
      indexAxis: 'y',
      plugins: {
        ...headings(title, [subtitle, 'whiskers: 95% bootstrap CI']),
        legend: { position: 'top' },
      },
      scales: {
        x: { min: 0, max: 100, title: { display: true, text: 'top-1 accuracy (%)' } },
        y: { ticks: { autoSkip: false } },
      },
    },
    plugins: series.map((s, i) => errorBars(i, s.est.map(ci), true)),
  };
  return renderChart(config, { width: 1100, height: Math.max(420, 200 + rows.length * (series.length * 14 + 10)) });
}
