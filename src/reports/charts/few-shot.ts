/**
 * Few-shot curve (CLIP Fig. 6; CoOp Fig. 3): top-1 against shots per class on a log2 axis, `all` at the
 * right end; the probe's mean with its 95% CI band, zero-shot as a horizontal line with its CI band,
 * and the break-even point the record states (CLIP Fig. 7's log-interpolation).
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { DatasetResult } from '../../results/schema.ts';
import { renderChart } from '../render.ts';
import { breakEvenOf, shotOrder, sortedProbes } from '../select.ts';
import { probeMethodLabel } from '../../results/probe-fit.ts';
import { headings, PALETTE, pct, PROBE_COLOR, withAlpha, ZERO_SHOT_COLOR } from '../style.ts';

export interface CurveSeries {
  /** Legend prefix: '' for a single run, the model's name when overlaid. */
  name: string;
  probeColor: string;
  zeroShotColor: string;
  ds: DatasetResult;
}

type Point = { x: number; y: number };

/** Colours of the other methods' curves: the palette minus the probe's blue and zero-shot's orange. */
// The palette after the probe's blue and zero-shot's orange.
const METHOD_COLORS = PALETTE.slice(2);

/**
 * x positions: log2(k) for numbers; `all` at log2 of its mean examples per class when the record has
 * it (where the break-even interpolation puts it), else one step past the largest tick.
 */
export function shotAxis(all: DatasetResult[]) {
  const numeric = all.flatMap((ds) => ds.probes.map((p) => p.shots)).filter((s): s is number => s !== 'all');
  const lastTick = Math.max(4, Math.ceil(Math.log2(Math.max(1, ...numeric))));
  const allProbes = all.flatMap((ds) => ds.probes.filter((p) => p.shots === 'all'));
  const effective = allProbes.map((p) => p.effectiveShots).filter((e): e is number => e !== undefined);
  const allX = allProbes.length ? (effective.length ? Math.log2(Math.max(...effective)) : lastTick + 1) : null;
  const ticks = Array.from({ length: lastTick + 1 }, (_, i) => i).filter((t) => allX === null || t < allX - 0.4);
  if (allX !== null) ticks.push(allX);
  const x = (s: number | 'all', effectiveShots?: number) => (s === 'all' ? (effectiveShots !== undefined ? Math.log2(effectiveShots) : allX!) : Math.log2(s));
  const label = (v: number) => (v === allX ? (effective.length ? `all (≈${Math.round(2 ** allX)})` : 'all') : `${2 ** v}`);
  return { x, ticks, label, min: -0.25, max: Math.max(lastTick, allX ?? 0) + 0.25 };
}

const band = (label: string, color: string, alpha: number, lo: Point[], hi: Point[]): ChartDataset<'line', Point[]>[] => [
  { label: '', data: hi, borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' },
  { label, data: lo, borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: withAlpha(color, alpha), borderColor: 'transparent' },
];

export function fewShotConfig(title: string, subtitle: string[], series: CurveSeries[]): ChartConfiguration<'line', Point[]> {
  const axis = shotAxis(series.map((s) => s.ds));
  const datasets: ChartDataset<'line', Point[]>[] = [];
  let yMax = 0;
  // Overlaid curves: fainter bands, left out of the legend (the subtitle says what they are).
  const overlay = series.length > 1;
  const alpha = overlay ? 0.1 : 0.18;
  const bandLabel = (text: string) => (overlay ? '' : text);
  for (const s of series) {
    const pre = s.name ? `${s.name}: ` : '';
    const zs = s.ds.zeroShot;
    if (zs.available && zs.top1) {
      const span = (y: number) => [{ x: axis.min, y }, { x: axis.max, y }];
      datasets.push(...band(bandLabel(`${pre}zero-shot 95% CI`), s.zeroShotColor, alpha, span(100 * zs.top1.ci[0]), span(100 * zs.top1.ci[1])));
      datasets.push({ label: `${pre}zero-shot ${pct(zs.top1.mean)}%`, data: span(100 * zs.top1.mean), borderColor: s.zeroShotColor, borderDash: [8, 5], borderWidth: 2.5, pointRadius: 0, fill: false });
      yMax = Math.max(yMax, zs.top1.ci[1]);
    }
    const probes = sortedProbes(s.ds);
    if (probes.length) {
      const at = (f: (p: (typeof probes)[number]) => number) => probes.map((p) => ({ x: axis.x(p.shots, p.effectiveShots), y: 100 * f(p) }));
      datasets.push(...band(bandLabel(`${pre}probe 95% CI`), s.probeColor, alpha, at((p) => p.top1.ci[0]), at((p) => p.top1.ci[1])));
      datasets.push({
        label: `${pre}${probeMethodLabel(probes[0])} (mean over seeds)`,
        data: at((p) => p.top1.mean),
        borderColor: s.probeColor,
        backgroundColor: s.probeColor,
        borderWidth: 2.5,
        pointRadius: 4,
        fill: false,
        // the step to `all` joins a different protocol (the whole train split): dash it.
        segment: { borderDash: (ctx) => (probes[ctx.p1DataIndex]?.shots === 'all' ? [3, 4] : undefined) },
      });
      yMax = Math.max(yMax, ...probes.map((p) => p.top1.ci[1]));
    }
    // The other methods of --methods (single-run plots): each one's mean over seeds, and its break-even on the zero-shot line.
    if (!overlay)
      (s.ds.methods ?? []).forEach((m, i) => {
        const color = METHOD_COLORS[i % METHOD_COLORS.length];
        const pts = [...m.shots].sort((a, b) => shotOrder(a.shots, b.shots));
        const be = m.breakEvenShots !== null && !m.breakEvenNote ? ` (break-even ≈ ${shotsText(m.breakEvenShots)})` : '';
        datasets.push({ label: `${m.method}${be}`, data: pts.map((p) => ({ x: axis.x(p.shots, p.effectiveShots), y: 100 * p.top1.mean })), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3, pointStyle: 'rectRot', fill: false });
        if (be && zs.top1) datasets.push({ label: '', data: [{ x: Math.log2(m.breakEvenShots!), y: 100 * zs.top1.mean }], borderColor: color, backgroundColor: color, pointRadius: 8, pointStyle: 'crossRot', pointBorderWidth: 3, showLine: false, fill: false });
        yMax = Math.max(yMax, ...pts.map((p) => p.top1.mean));
      });
    const be = breakEvenOf(s.ds);
    if ((be.kind === 'at' || be.kind === 'at-most') && be.shots !== null && zs.top1) {
      const x = Math.log2(be.shots);
      datasets.push({
        label: `${pre}break-even ${be.kind === 'at-most' ? '≤' : '≈'} ${shotsText(be.shots)}`,
        data: [{ x, y: 0 }, { x, y: 100 * zs.top1.mean }],
        borderColor: overlay ? s.probeColor : '#333',
        backgroundColor: overlay ? s.probeColor : '#333',
        borderDash: [2, 3],
        borderWidth: 1.5,
        pointRadius: [0, 9],
        pointStyle: 'crossRot',
        pointBorderWidth: 3,
        fill: false,
      });
    }
  }
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      plugins: {
        ...headings(title, subtitle),
        legend: { position: 'bottom', labels: { filter: (item) => item.text !== '', boxWidth: 28 } },
      },
      scales: {
        x: {
          type: 'linear',
          min: axis.min,
          max: axis.max,
          title: { display: true, text: 'training examples per class (log2 scale)' },
          afterBuildTicks: (scale) => void (scale.ticks = axis.ticks.map((value) => ({ value }))),
          ticks: { callback: (v) => axis.label(Number(v)) },
        },
        y: {
          min: 0,
          max: Math.min(100, Math.ceil((100 * yMax + 5) / 10) * 10),
          title: { display: true, text: 'top-1 accuracy (%)' },
        },
      },
    },
  };
}

/** "1 shot", "3.2 shots". */
export const shotsText = (k: number) => `${Number(k.toFixed(1))} shot${k === 1 ? '' : 's'}`;

export const FEW_SHOT_SIZE = { width: 1100, height: 720 };

export function renderFewShot(title: string, subtitle: string[], series: CurveSeries[]): Buffer {
  return renderChart(fewShotConfig(title, subtitle, series) as ChartConfiguration, FEW_SHOT_SIZE);
}

export const singleRunSeries = (ds: DatasetResult): CurveSeries[] => [{ name: '', probeColor: PROBE_COLOR, zeroShotColor: ZERO_SHOT_COLOR, ds }];
