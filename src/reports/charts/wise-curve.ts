/**
 * The WiSE curve (Wortsman et al. 2022, Fig. 1): for each α ∈ {0, 0.1, …, 1}, the interpolated head's
 * clean top-1 against its mean top-1 over this run's shifted test sets, one line per shot count, from
 * zero-shot (α = 0) to the linear probe (α = 1); the α chosen on validation is ringed. Read from the
 * records' `methods` curves; nothing is recomputed.
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { DatasetResult } from '../../results/schema.ts';
import { renderChart } from '../render.ts';
import { shotOrder } from '../select.ts';
import { headings, probeShade } from '../style.ts';

type Point = { x: number; y: number };

export interface WisePoint {
  alpha: number;
  clean: number;
  shifted: number;
}

/** Per shot count, the (clean, mean shifted) top-1 of every α; null when the run has no wise curve or no shifts. */
export function wiseCurves(clean: DatasetResult, shifted: DatasetResult[]): { shots: number | 'all'; points: WisePoint[]; chosen: number[] }[] | null {
  const wise = clean.methods?.find((m) => m.method === 'wise');
  if (!wise || shifted.length === 0) return null;
  return [...wise.shots]
    .sort((a, b) => shotOrder(a.shots, b.shots))
    .filter((r) => r.curve)
    .map((r) => {
      const others = shifted.map((ds) => ds.methods?.find((m) => m.method === 'wise')?.shots.find((x) => x.shots === r.shots)?.curve?.points ?? []);
      const points = r.curve!.points.map((p, j) => ({ alpha: p.value, clean: p.top1, shifted: others.reduce((a, o) => a + (o[j]?.top1 ?? NaN), 0) / others.length }));
      return { shots: r.shots, points, chosen: r.perSeed.map((s) => s.hyperparameters.alpha) };
    });
}

export function wiseCurveConfig(title: string, subtitle: string[], curves: NonNullable<ReturnType<typeof wiseCurves>>): ChartConfiguration<'line', Point[]> {
  const datasets: ChartDataset<'line', Point[]>[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  curves.forEach((c, i) => {
    const color = probeShade(i, curves.length);
    const data = c.points.map((p) => ({ x: 100 * p.clean, y: 100 * p.shifted }));
    xs.push(...data.map((d) => d.x));
    ys.push(...data.map((d) => d.y));
    datasets.push({
      label: `${c.shots}-shot: α = 0 (zero-shot, ▲) → 1 (probe, ■)`,
      data,
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      pointRadius: c.points.map((p) => (p.alpha === 0 || p.alpha === 1 ? 7 : 3)),
      pointStyle: c.points.map((p) => (p.alpha === 0 ? 'triangle' : p.alpha === 1 ? 'rect' : 'circle')),
      fill: false,
    });
    const chosen = c.points.filter((p) => c.chosen.includes(p.alpha));
    datasets.push({ label: '', data: chosen.map((p) => ({ x: 100 * p.clean, y: 100 * p.shifted })), borderColor: color, backgroundColor: 'transparent', pointRadius: 11, pointBorderWidth: 2, showLine: false, fill: false });
  });
  const pad = (v: number[], lo: boolean) => (lo ? Math.max(0, Math.floor(Math.min(...v) - 3)) : Math.min(100, Math.ceil(Math.max(...v) + 3)));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      plugins: { ...headings(title, [...subtitle, 'ringed: the α chosen on validation (per seed)']), legend: { position: 'bottom', labels: { filter: (item) => item.text !== '' } } },
      scales: {
        x: { type: 'linear', min: pad(xs, true), max: pad(xs, false), title: { display: true, text: 'clean top-1 (%)' } },
        y: { type: 'linear', min: pad(ys, true), max: pad(ys, false), title: { display: true, text: 'mean top-1 over the shifted test sets (%)' } },
      },
    },
  };
}

export function renderWiseCurve(title: string, subtitle: string[], curves: NonNullable<ReturnType<typeof wiseCurves>>): Buffer {
  return renderChart(wiseCurveConfig(title, subtitle, curves) as ChartConfiguration, { width: 1000, height: 720 });
}
