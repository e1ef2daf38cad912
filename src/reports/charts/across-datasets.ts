/**
 * Plots over several datasets of one model: zero-shot minus k-shot probe top-1 per dataset (CLIP Fig. 5,
 * there against a ResNet-50 probe) and the shots per class a probe needs to match zero-shot (CLIP Fig. 7).
 */
import type { ChartConfiguration } from 'chart.js';
import type { DatasetResult } from '../../results/schema.ts';
import { barLabels, errorBars } from '../chart-plugins.ts';
import { deltaOf } from '../delta.ts';
import { renderChart } from '../render.ts';
import { breakEvenOf, datasetLabel, probeKind, shotOrder } from '../select.ts';
import { shotsText } from './few-shot.ts';

const titled = (text: string, sub: string[]) => ({
  title: { display: true, text, font: { size: 20, weight: 'bold' as const } },
  subtitle: { display: true, text: sub, font: { size: 14 }, padding: { bottom: 12 } },
  legend: { display: false },
});

/** The shot count every dataset with zero-shot has a probe for, preferring `all`, else the largest k. */
export function commonShots(dsets: DatasetResult[]): number | 'all' | null {
  const withZs = dsets.filter((d) => d.zeroShot.available && d.probes.length);
  if (!withZs.length) return null;
  const sets = withZs.map((d) => new Set(d.probes.map((p) => p.shots)));
  const common = [...sets[0]].filter((s) => sets.every((set) => set.has(s))).sort(shotOrder);
  return common.at(-1) ?? null;
}

export function deltaRows(dsets: DatasetResult[], shots: number | 'all') {
  return dsets
    .flatMap((ds) => {
      const p = ds.probes.find((q) => q.shots === shots);
      const zs = ds.zeroShot.top1;
      return p && zs && ds.zeroShot.available ? [{ label: datasetLabel(ds), delta: deltaOf(zs, p.top1) }] : [];
    })
    .sort((a, b) => b.delta.mean - a.delta.mean);
}

export function renderDeltaBars(dsets: DatasetResult[], model: string): Buffer | null {
  const shots = commonShots(dsets);
  if (shots === null) return null;
  const rows = deltaRows(dsets, shots);
  if (rows.length < 2) return null;
  const values = rows.map((r) => 100 * r.delta.mean);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [{ data: values, backgroundColor: values.map((v) => (v >= 0 ? '#2ca02c' : '#1f77b4')) }],
    },
    options: {
      indexAxis: 'y',
      plugins: titled(`${model}: zero-shot minus ${probeKind(shots)} linear probe`, [
        'top-1 difference in percentage points; > 0: zero-shot is better',
        'whiskers: approximate 95% CI from the two estimates\' CIs (MOVER, treating them as independent)',
      ]),
      scales: {
        x: {
          min: Math.floor(Math.min(0, ...rows.map((r) => 100 * r.delta.ci[0])) / 10) * 10,
          max: Math.ceil(Math.max(0, ...rows.map((r) => 100 * r.delta.ci[1])) / 10) * 10,
          title: { display: true, text: `Δ top-1 (zero-shot − ${probeKind(shots)} probe), points` },
        },
        y: { ticks: { autoSkip: false } },
      },
    },
    plugins: [errorBars(0, rows.map((r) => [100 * r.delta.ci[0], 100 * r.delta.ci[1]]), true)],
  };
  return renderChart(config, { width: 1100, height: 220 + rows.length * 44 });
}

export function renderShotsToMatch(dsets: DatasetResult[], model: string): Buffer | null {
  const rows = dsets.map((ds) => ({ label: datasetLabel(ds), be: breakEvenOf(ds), ds })).filter((r) => r.be.kind !== 'none');
  if (rows.length < 2) return null;
  const maxK = Math.max(1, ...dsets.flatMap((d) => d.probes.map((p) => (p.shots === 'all' ? 1 : p.shots))));
  const top = Math.max(4, Math.ceil(Math.log2(Math.max(maxK, ...rows.map((r) => r.be.shots ?? 1)))));
  // bars in log2(k) + 1 so that k = 1 still shows; `never` runs past the last tick, in grey.
  const value = (r: (typeof rows)[number]) => (r.be.shots === null ? top + 1.6 : Math.log2(r.be.shots) + 1);
  const largest = (d: DatasetResult) => (d.probes.some((p) => p.shots === 'all') ? 'all training data' : `${Math.max(...d.probes.map((p) => p.shots as number))} shots`);
  const text = (r: (typeof rows)[number]) =>
    r.be.kind === 'never' ? `never (tried up to ${largest(r.ds)})` : `${r.be.kind === 'at-most' ? '≤ ' : ''}${shotsText(r.be.shots!)}`;
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [{ data: rows.map(value), backgroundColor: rows.map((r) => (r.be.kind === 'never' ? '#cccccc' : r.be.kind === 'at-most' ? '#9ecae1' : '#3182bd')) }],
    },
    options: {
      indexAxis: 'y',
      plugins: titled(`${model}: shots per class for a linear probe to match zero-shot`, [
        'where the mean probe curve reaches zero-shot top-1, log2-interpolated (CLIP Fig. 7)',
        '≤: the probe already matches zero-shot at the smallest k tried',
      ]),
      scales: {
        x: {
          min: 0,
          max: top + (rows.some((r) => r.be.kind === 'never') ? 4.2 : 2.5),
          title: { display: true, text: 'training examples per class (log2 scale)' },
          afterBuildTicks: (scale) => void (scale.ticks = Array.from({ length: top + 1 }, (_, i) => ({ value: i + 1 }))),
          ticks: { callback: (v) => `${2 ** (Number(v) - 1)}` },
        },
        y: { ticks: { autoSkip: false } },
      },
    },
    plugins: [barLabels(0, rows.map(text), true)],
  };
  return renderChart(config, { width: 1100, height: 220 + rows.length * 44 });
}
