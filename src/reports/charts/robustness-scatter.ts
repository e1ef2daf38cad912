/**
 * The robustness scatter of CLIP Fig. 13/14 (after Taori et al. 2020, Fig. 1) on this run's data: clean
 * top-1 against shifted top-1, both on logit axes, y = x dashed; the adapted probes (one point per k) with
 * the record's logit-linear fit through them; zero-shot marked, with an arrow from the fit's prediction to
 * its measured shifted accuracy: its effective robustness. Everything is read from the robustness record;
 * only the band is derived here, from the same points and the record's line.
 */
import type { Chart, ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import { logit } from '../../evaluation/robustness.ts';
import type { RobustnessMethod, RobustnessRecord } from '../../results/schema.ts';
import { plural } from '../../util/plural.ts';
import { font, renderChart } from '../render.ts';
import { methodLabel, shotOrder } from '../select.ts';
import { headings, pct, probeShade, signed, withAlpha, ZERO_SHOT_COLOR } from '../style.ts';
import { logitAxis } from './logit-axis.ts';

type Point = { x: number; y: number };
type Fit = NonNullable<NonNullable<RobustnessRecord['effectiveRobustness']>['fit']>;

/** Two-sided 95% quantile of Student's t with `df` degrees of freedom (table to 30, Cornish–Fisher beyond). */
export function t975(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  if (df <= table.length) return table[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** Fewest distinct probe points for a band: with 3, t has 1 degree of freedom (t = 12.7) and the band covers the plot. */
export const MIN_BAND_POINTS = 4;

/**
 * Half-width (logit units) of the 95% confidence band of the fitted line at x: the textbook OLS band
 * t · s · √(1/n + (x − x̄)² / Sxx) with n − 2 degrees of freedom, from the probes' points and the record's
 * line. It treats the probes as independent observations. null below MIN_BAND_POINTS distinct points.
 */
export function fitBand(points: Point[], fit: Fit): ((x: number) => number) | null {
  const n = points.length;
  if (new Set(points.map((p) => p.x.toFixed(9))).size < MIN_BAND_POINTS) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const sse = points.reduce((a, p) => a + (p.y - (fit.slope * p.x + fit.intercept)) ** 2, 0);
  const s = Math.sqrt(sse / (n - 2));
  const t = t975(n - 2);
  return (x) => t * s * Math.sqrt(1 / n + (x - mx) ** 2 / sxx);
}

export interface ScatterData {
  probes: { method: RobustnessMethod; x: number; y: number }[];
  zeroShot: { x: number; y: number; predicted: number | null } | null;
  fit: Fit | null;
  band: ((x: number) => number) | null;
  value: number | null;
  flag?: string;
}

/** The record's points in logit units, and the band when it can be derived. */
export function scatterData(rob: RobustnessRecord): ScatterData {
  const probes = rob.methods
    .filter((m) => m.method === 'linear probe')
    .sort((a, b) => shotOrder(a.shots ?? 'all', b.shots ?? 'all'))
    .map((m) => ({ method: m, x: logit(m.clean), y: logit(m.meanShifted) }));
  const zs = rob.methods.find((m) => m.method === 'zero-shot');
  const er = rob.effectiveRobustness;
  const fit = er?.fit ?? null;
  // The band only when the record's fit was made from exactly these points.
  const band = fit && fit.points === probes.length ? fitBand(probes, fit) : null;
  return {
    probes,
    zeroShot: zs ? { x: logit(zs.clean), y: logit(zs.meanShifted), predicted: er?.predicted ?? null } : null,
    fit,
    band,
    value: er?.value ?? null,
    flag: er?.flag,
  };
}

/** Caption text: what the band is (or why there is none), and the record's flag. */
export function scatterNotes(d: ScatterData): string[] {
  const notes: string[] = [];
  if (d.value !== null) notes.push(`zero-shot effective robustness ${signed(d.value)} points`);
  else if (d.zeroShot) notes.push('zero-shot effective robustness not measurable');
  if (d.fit) {
    notes.push(`fit through ${d.fit.points} probe points, R² = ${d.fit.r2.toFixed(2)}`);
    const distinct = new Set(d.probes.map((p) => p.x.toFixed(9))).size;
    notes.push(
      d.band
        ? `band: 95% confidence band of the fitted line (OLS in logit space, Student t with ${d.fit.points - 2} degrees of freedom, probes treated as independent)`
        : `no band: ${plural(distinct, 'distinct probe point')} (a 95% band needs ${MIN_BAND_POINTS}; with 3 its t has 1 degree of freedom and spans the plot)`,
    );
  }
  if (d.flag) notes.push(`flag: ${d.flag}`);
  return notes;
}

/** The notes a reader of the PNG alone needs: why there is no band, and the record's flag. */
function figureNotes(d: ScatterData): string[] {
  const notes: string[] = [];
  if (d.fit && !d.band) notes.push(`no band: fewer than ${MIN_BAND_POINTS} distinct probe points`);
  if (d.flag) notes.push(`flag: ${d.flag}`);
  return notes.length ? [notes.join('; ')] : [];
}

/** Arrow from the trend's prediction to zero-shot's measured point, labelled with the effective robustness. */
function effectiveRobustnessArrow(from: Point, to: Point, text: string): Plugin {
  return {
    id: 'effectiveRobustnessArrow',
    afterDatasetsDraw(chart: Chart) {
      const { ctx, scales } = chart;
      const x = scales.x.getPixelForValue(from.x);
      const y0 = scales.y.getPixelForValue(from.y);
      const y1 = scales.y.getPixelForValue(to.y);
      const dir = Math.sign(y1 - y0) || 1;
      ctx.save();
      ctx.strokeStyle = '#222';
      ctx.fillStyle = '#222';
      ctx.lineWidth = 2;
      // Stop short of the star so the head stays visible.
      const tip = y1 - dir * 11;
      if (Math.abs(tip - y0) > 10) {
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, tip);
        ctx.stroke();
        ctx.beginPath();
        ctx.moveTo(x, tip);
        ctx.lineTo(x - 6, tip - dir * 10);
        ctx.lineTo(x + 6, tip - dir * 10);
        ctx.closePath();
        ctx.fill();
      }
      ctx.font = font(15, true);
      ctx.textBaseline = 'middle';
      const right = x < (chart.chartArea.left + chart.chartArea.right) / 2;
      ctx.textAlign = right ? 'left' : 'right';
      ctx.fillText(text, x + (right ? 14 : -14), (y0 + y1) / 2);
      ctx.restore();
    },
  };
}

/** "1-shot", "16-shot" beside each probe point. */
function pointLabels(points: (Point & { text: string })[]): Plugin {
  return {
    id: 'probePointLabels',
    afterDatasetsDraw(chart: Chart) {
      const { ctx, scales } = chart;
      ctx.save();
      ctx.fillStyle = '#333';
      ctx.font = font(13);
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      for (const p of points) ctx.fillText(p.text, scales.x.getPixelForValue(p.x) + 8, scales.y.getPixelForValue(p.y) + 6);
      ctx.restore();
    },
  };
}

export const SCATTER_SIZE = { width: 1000, height: 900 };

export function renderRobustnessScatter(rob: RobustnessRecord, title: string, subtitle: string[]): Buffer | null {
  const d = scatterData(rob);
  if (!d.probes.length && !d.zeroShot) return null;
  const all = rob.methods.flatMap((m) => [m.clean, m.meanShifted]);
  if (d.zeroShot?.predicted != null) all.push(d.zeroShot.predicted);
  const axis = logitAxis(all);
  const span = (f: (x: number) => number, steps = 60): Point[] => Array.from({ length: steps + 1 }, (_, i) => axis.min + ((axis.max - axis.min) * i) / steps).map((x) => ({ x, y: f(x) }));
  const datasets: ChartDataset<'line', Point[]>[] = [];
  const trend = '#4a5a70';
  if (d.fit && d.band) {
    const { slope, intercept } = d.fit;
    datasets.push({ label: '', data: span((x) => slope * x + intercept + d.band!(x)), borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
    datasets.push({ label: 'fit 95% confidence band', data: span((x) => slope * x + intercept - d.band!(x)), borderWidth: 0, pointRadius: 0, pointStyle: 'rect', fill: '-1', backgroundColor: withAlpha(trend, 0.14), borderColor: 'transparent' });
  }
  datasets.push({ label: 'y = x (no drop)', data: [{ x: axis.min, y: axis.min }, { x: axis.max, y: axis.max }], borderColor: '#888', borderDash: [6, 5], borderWidth: 1.5, pointRadius: 0, pointStyle: 'line', fill: false });
  if (d.fit) {
    const { slope, intercept } = d.fit;
    datasets.push({ label: `probes' logit-linear fit (R² ${d.fit.r2.toFixed(2)})`, data: span((x) => slope * x + intercept, 1), borderColor: trend, borderWidth: 2.5, pointRadius: 0, pointStyle: 'line', fill: false });
  }
  d.probes.forEach((p, i) =>
    datasets.push({
      label: `${methodLabel(p.method)} (${pct(p.method.clean)} → ${pct(p.method.meanShifted)}%)`,
      data: [{ x: p.x, y: p.y }],
      showLine: false,
      pointRadius: 7,
      pointStyle: 'circle',
      backgroundColor: probeShade(i, d.probes.length),
      borderColor: '#fff',
      borderWidth: 1,
    }),
  );
  const plugins: Plugin[] = [pointLabels(d.probes.map((p) => ({ x: p.x, y: p.y, text: methodLabel(p.method).replace(' probe', '') })))];
  if (d.zeroShot) {
    const zs = d.zeroShot;
    const zsMethod = rob.methods.find((m) => m.method === 'zero-shot')!;
    datasets.push({
      label: `zero-shot (${pct(zsMethod.clean)} → ${pct(zsMethod.meanShifted)}%)`,
      data: [{ x: zs.x, y: zs.y }],
      showLine: false,
      pointRadius: 13,
      pointStyle: 'star',
      borderColor: ZERO_SHOT_COLOR,
      backgroundColor: ZERO_SHOT_COLOR,
      borderWidth: 3.5,
    });
    if (zs.predicted !== null && d.value !== null) plugins.push(effectiveRobustnessArrow({ x: zs.x, y: logit(zs.predicted) }, zs, `effective robustness ${signed(d.value)} pts`));
  }
  const axisOptions = (text: string) => ({
    type: 'linear' as const,
    min: axis.min,
    max: axis.max,
    title: { display: true, text },
    afterBuildTicks: (scale: { ticks: { value: number }[] }) => void (scale.ticks = axis.ticks.map((value) => ({ value }))),
    ticks: { callback: (v: number | string) => axis.label(Number(v)) },
  });
  const config: ChartConfiguration<'line', Point[]> = {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      plugins: {
        ...headings(title, [...subtitle, ...figureNotes(d)]),
        legend: { position: 'bottom', labels: { filter: (item) => item.text !== '', usePointStyle: true, boxWidth: 28 } },
      },
      scales: { x: axisOptions('clean top-1 (logit scale)'), y: axisOptions('shifted top-1 (logit scale)') },
    },
    plugins,
  };
  return renderChart(config as ChartConfiguration, SCATTER_SIZE);
}
