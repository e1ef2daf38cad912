/**
 * The plots of an export comparison (compare.json), per dataset: per-class Δ top-1, the histogram of
 * per-example image-embedding cosines, and Δ top-1 per classifier against the max-drop gate. Made from the
 * record alone, through the same renderer as a run's plots (byte-identical for the same record).
 */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import type { CompareDataset } from '../compare/compare.ts';
import type { CosineHistogram } from '../compare/cosine-histogram.ts';
import type { FlipTable } from '../compare/flips.ts';
import { sqnrText, type CompareRecord } from '../compare/markdown.ts';
import { plural } from '../util/plural.ts';
import { errorBars } from './chart-plugins.ts';
import { MAX_ROWS, shownRows, sortRows } from './charts/per-class.ts';
import type { Plot } from './plot.ts';
import { font, renderChart } from './render.ts';
import { slug } from './select.ts';
import { headings, PROBE_COLOR, ZERO_SHOT_COLOR } from './style.ts';

const FAIL_COLOR = '#d62728';
const PASS_COLOR = '#2ca02c';

/** Δ top-1 per class from flip counts: (positive − negative) / rows of the class; null without rows. */
export const classDelta = (f: FlipTable) => f.perClass.map((c) => (c.n ? (c.positive - c.negative) / c.n : null));

/** Lines across the plot at data values of one axis (a gate, a mean), with a short label at the end. */
function valueLines(axis: 'x' | 'y', lines: { value: number; color: string; dashed: boolean; label: string }[]): Plugin {
  return {
    id: `valueLines-${axis}`,
    afterDatasetsDraw(chart: Chart) {
      const { ctx, chartArea: a } = chart;
      ctx.save();
      ctx.font = font(13);
      for (const l of lines) {
        const p = chart.scales[axis].getPixelForValue(l.value);
        ctx.strokeStyle = l.color;
        ctx.fillStyle = l.color;
        ctx.lineWidth = 2;
        ctx.setLineDash(l.dashed ? [6, 4] : []);
        ctx.beginPath();
        if (axis === 'x') (ctx.moveTo(p, a.top), ctx.lineTo(p, a.bottom));
        else (ctx.moveTo(a.left, p), ctx.lineTo(a.right, p));
        ctx.stroke();
        ctx.textBaseline = 'bottom';
        ctx.textAlign = axis === 'x' ? 'left' : 'right';
        if (axis === 'x') ctx.fillText(l.label, p + 4, a.top + 16 + 16 * lines.indexOf(l));
        else ctx.fillText(l.label, a.right - 4, p - 3);
      }
      ctx.restore();
    },
  };
}

/** Half-width of a symmetric value axis around 0 (in points): 1, 2, 5, then whole multiples of 5. */
export function symmetricExtent(values: number[]): number {
  const m = 1.05 * Math.max(0, ...values.map(Math.abs)); // a little room beyond the longest bar
  return m <= 1 ? 1 : m <= 2 ? 2 : Math.ceil(m / 5) * 5;
}

/**
 * The rows of the per-class Δ plot (zero-shot and the largest-k probe), sorted by the Δ of the one that
 * moved more (the larger sum of |Δ|; zero-shot on ties), so the bars that matter read in order. With
 * more than MAX_ROWS classes only classes whose Δ is not 0 are drawn, and of those, beyond MAX_ROWS, the
 * MAX_ROWS/2 largest gains and losses (null marks the gap).
 */
export function classDeltaRows(d: CompareDataset) {
  const probe = d.probes.at(-1);
  const zs = d.zeroShot ? classDelta(d.zeroShot.flips) : null;
  const pr = probe ? classDelta(probe.flips) : null;
  const classes = (d.zeroShot?.flips ?? probe!.flips).perClass.map((c) => c.class);
  const all = classes.map((cls, i) => ({ cls, zeroShot: zs?.[i] ?? null, probe: pr?.[i] ?? null }));
  const moved = all.filter((r) => r.zeroShot || r.probe);
  const many = all.length > MAX_ROWS;
  const spread = (xs: (number | null)[] | null) => (xs ? xs.reduce<number>((a, x) => a + Math.abs(x ?? 0), 0) : -1);
  const sortedBy = spread(zs) >= spread(pr) ? ('zeroShot' as const) : ('probe' as const);
  return { ...shownRows(sortRows(many ? moved : all, sortedBy)), sortedBy, classes: classes.length, moved: moved.length, many };
}

/** The per-class Δ plot; null without classifiers, or when no class's top-1 changed. */
export function renderClassDelta(d: CompareDataset, title: string): Buffer | null {
  const probe = d.probes.at(-1);
  if (!d.zeroShot && !probe) return null;
  const zs = !!d.zeroShot;
  const { rows, hidden, classes, moved, many, sortedBy } = classDeltaRows(d);
  if (!moved) return null; // nothing to draw: the flip table says no prediction changed class
  const series = [
    ...(zs ? [{ label: 'zero-shot', key: 'zeroShot' as const, color: ZERO_SHOT_COLOR }] : []),
    ...(probe ? [{ label: `${probe.shots}-shot linear probe${probe.perSeed.length > 1 ? ` (${plural(probe.perSeed.length, 'seed')} pooled)` : ''}`, key: 'probe' as const, color: PROBE_COLOR }] : []),
  ];
  const points = (v: number | null | undefined) => (v == null ? null : 100 * v);
  const datasets = series.map((s) => ({ label: s.label, data: rows.map((r) => points(r?.[s.key])), backgroundColor: s.color, maxBarThickness: 14 }));
  const extent = symmetricExtent(datasets.flatMap((x) => x.data.filter((v): v is number => v !== null)));
  const sub = [`candidate − reference top-1 per class, in points (bars right of 0: the candidate is better); sorted by ${sortedBy === 'zeroShot' ? 'zero-shot' : 'the probe'}${series.length > 1 ? ', the one that moved more' : ''}`];
  if (many) sub.push(`${classes} classes, ${moved} with a Δ other than 0: ${hidden ? `the ${MAX_ROWS / 2} largest gains and ${MAX_ROWS / 2} largest losses are` : 'those are'} shown; every class is in compare.json`);
  const labels = rows.map((r) => (r ? r.cls : `(${hidden} more)`));
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels, datasets },
    options: {
      indexAxis: 'y',
      plugins: { ...headings(title, sub), legend: { position: 'top' } },
      scales: {
        x: { min: -extent, max: extent, title: { display: true, text: 'Δ top-1 (candidate − reference), points' }, grid: { color: (c) => (c.tick.value === 0 ? '#444' : 'rgba(0, 0, 0, 0.1)') } },
        y: { ticks: { autoSkip: false, font: { size: 14 } } },
      },
    },
  };
  return renderChart(config as ChartConfiguration, { width: 1100, height: Math.max(420, 200 + labels.length * (series.length * 11 + 8)) });
}

/** "1e-8", "3e-8", …: a bin's lower edge 10^e, rounded to one significant digit. */
const edgeLabel = (e: number) => {
  const [m, x] = (10 ** e).toExponential(0).split('e');
  return `${m}e${Number(x)}`;
};

/** Each bin's range, on two lines so 18 bins fit: "< 1e-8", "1e-8 –" / "3e-8", …, "≥ 1e0". */
export const histogramLabels = (h: CosineHistogram): (string | string[])[] => [
  `< ${edgeLabel(h.log10Edges[0])}`,
  ...h.log10Edges.slice(1).map((e, i) => [`${edgeLabel(h.log10Edges[i])} –`, edgeLabel(e)]),
  `≥ ${edgeLabel(h.log10Edges.at(-1)!)}`,
];

/**
 * Histogram of 1 − cosine per example on half-decade bins, with the mean cosine and the min-cosine gate
 * (which is on the mean) drawn where they fall on the same axis.
 */
export function renderCosineHistogram(d: CompareDataset, title: string, minCosine: number | undefined): Buffer | null {
  const e = d.embeddings;
  if (!e) return null;
  const h = e.imageCosine.histogram;
  const step = h.log10Edges[1] - h.log10Edges[0];
  // Category i spans [i − ½, i + ½]; edge j (log10) lies between categories j and j + 1.
  const at = (oneMinusCos: number) => Math.min(h.counts.length - 0.5, Math.max(-0.5, 0.5 + (Math.log10(Math.max(oneMinusCos, 1e-300)) - h.log10Edges[0]) / step));
  const lines = [{ value: at(1 - e.imageCosine.mean), color: '#222', dashed: false, label: `mean: 1 − cosine = ${(1 - e.imageCosine.mean).toExponential(1)}` }];
  if (minCosine !== undefined) lines.push({ value: at(1 - minCosine), color: FAIL_COLOR, dashed: true, label: `min-cosine gate (on the mean): ${minCosine}` });
  const n = h.counts.reduce((a, b) => a + b, 0);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: { labels: histogramLabels(h), datasets: [{ data: h.counts, backgroundColor: PROBE_COLOR, barPercentage: 1, categoryPercentage: 0.95 }] },
    options: {
      plugins: {
        ...headings(title, [`${n} rows (the fixed seeded subset); min ${e.imageCosine.min.toFixed(6)}, 1st percentile ${e.imageCosine.p01.toFixed(6)}, mean ${e.imageCosine.mean.toFixed(6)}; SQNR ${sqnrText(e.imageSqnrDb)}`, 'further right: embeddings further apart; identical embeddings fall in the first bar']),
        legend: { display: false },
      },
      scales: {
        x: { title: { display: true, text: '1 − cosine(reference, candidate) per example, log scale (half a decade per bar)' }, ticks: { autoSkip: false, maxRotation: 0, font: { size: 12 } } },
        y: { beginAtZero: true, title: { display: true, text: 'rows' }, ticks: { precision: 0 } },
      },
    },
    plugins: [valueLines('x', lines)],
  };
  return renderChart(config as ChartConfiguration, { width: 1100, height: 480 });
}

/**
 * Δ top-1 per classifier (zero-shot, each probe k) with its interval, the max-drop gate as a dashed line,
 * bars red where one of that classifier's gates failed. One seed: the paired bootstrap 95% CI; several:
 * the range of the per-seed Δ.
 */
export function renderClassifierDeltas(d: CompareDataset, r: CompareRecord, title: string): Buffer | null {
  if (!d.probes.length) return null;
  const failed = (where: string) => r.gates.some((g) => g.where === where && !g.passed);
  const bars = [
    ...(d.zeroShot ? [{ label: 'zero-shot', where: `${d.dataset} zero-shot`, delta: d.zeroShot.delta, ci: d.zeroShot.deltaCi }] : []),
    ...d.probes.map((p) => ({
      label: `${p.shots}-shot probe`,
      where: `${d.dataset} ${p.shots}-shot probe`,
      delta: p.meanDelta,
      ci: p.perSeed.length === 1 ? p.perSeed[0].deltaCi : ([Math.min(...p.perSeed.map((s) => s.delta)), Math.max(...p.perSeed.map((s) => s.delta))] as [number, number]),
    })),
  ];
  const maxDrop = r.protocol?.gates?.maxDrop;
  const extent = symmetricExtent([...bars.flatMap((b) => [100 * b.ci[0], 100 * b.ci[1]]), ...(maxDrop === undefined ? [] : [maxDrop * 1.2])]);
  const seeds = Math.max(...d.probes.map((p) => p.perSeed.length));
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: bars.map((b) => [b.label, `${b.delta >= 0 ? '+' : ''}${(100 * b.delta).toFixed(2)} points`]),
      datasets: [{ data: bars.map((b) => 100 * b.delta), backgroundColor: bars.map((b) => (failed(b.where) ? FAIL_COLOR : PASS_COLOR)), maxBarThickness: 90 }],
    },
    options: {
      plugins: {
        ...headings(title, [
          `candidate − reference top-1 on the same ${d.n} rows; ${seeds > 1 ? 'probes: mean over seeds, whiskers the range of the per-seed Δ; zero-shot: ' : ''}whiskers: paired bootstrap 95% CI`,
          'green: every gate of that classifier passed; red: at least one failed (see the gates table)',
        ]),
        legend: { display: false },
      },
      scales: {
        y: { min: -extent, max: extent, title: { display: true, text: 'Δ top-1, points' }, grid: { color: (c) => (c.tick.value === 0 ? '#444' : 'rgba(0, 0, 0, 0.1)') } },
        x: { ticks: { font: { size: 15 } } },
      },
    },
    plugins: [errorBars(0, bars.map((b) => [100 * b.ci[0], 100 * b.ci[1]])), ...(maxDrop === undefined ? [] : [valueLines('y', [{ value: -maxDrop, color: FAIL_COLOR, dashed: true, label: `max-drop gate: −${maxDrop} points` }])])],
  };
  return renderChart(config as ChartConfiguration, { width: 1000, height: 480 });
}

/** Every plot of a comparison, per dataset, as named PNGs (files under plots/ and figures in compare.html). */
export function comparePlots(r: CompareRecord): Plot[] {
  const plots: Plot[] = [];
  for (const d of r.datasets) {
    const base = slug(d.dataset);
    const add = (file: string, caption: string, png: Buffer | null) => png && plots.push({ file: `${base}-${file}.png`, dataset: d.dataset, caption, png });
    add('class-delta', `${d.dataset}: per-class Δ top-1`, renderClassDelta(d, `${d.dataset}: per-class Δ top-1, candidate − reference`));
    add('cosine-histogram', `${d.dataset}: per-example image-embedding cosine`, renderCosineHistogram(d, `${d.dataset}: image-embedding cosine per example`, r.protocol?.gates?.minCosine));
    add('classifier-delta', `${d.dataset}: Δ top-1 per classifier against the max-drop gate`, renderClassifierDeltas(d, r, `${d.dataset}: Δ top-1 per classifier`));
  }
  return plots;
}
