/**
 * Per-corruption accuracy (Hendrycks & Dietterich 2019, Table/Fig. per corruption): mean top-1 over the
 * severities run, zero-shot against the largest-k probe as grouped bars, sorted by zero-shot; the four
 * extras (kept out of mCA, as in CIFAR-10-C) marked and drawn lighter; dashed lines at each clean top-1.
 */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import type { RobustnessMethod, RobustnessRecord } from '../../results/schema.ts';
import { renderChart } from '../render.ts';
import { methodLabel, shotOrder } from '../select.ts';
import { headings, pct, PROBE_COLOR, withAlpha, ZERO_SHOT_COLOR } from '../style.ts';

type PerCorruption = NonNullable<RobustnessMethod['corruptions']>['perCorruption'][number];

export interface CorruptionBar {
  corruption: string;
  group: 'corruptions' | 'extra';
  severities: number[];
  zeroShot: number | null;
  probe: number | null;
}

/** The largest-k probe of a robustness record (`all` last), if any. */
export function largestProbeMethod(rob: RobustnessRecord): RobustnessMethod | null {
  const probes = rob.methods.filter((m) => m.method === 'linear probe').sort((a, b) => shotOrder(a.shots ?? 'all', b.shots ?? 'all'));
  return probes.at(-1) ?? null;
}

/** Rows of the chart: every corruption either method measured, sorted by zero-shot's mean (else the probe's), best first. */
export function corruptionBars(rob: RobustnessRecord): CorruptionBar[] {
  const zs = rob.methods.find((m) => m.method === 'zero-shot')?.corruptions?.perCorruption ?? [];
  const probe = largestProbeMethod(rob)?.corruptions?.perCorruption ?? [];
  const find = (list: PerCorruption[], name: string) => list.find((c) => c.corruption === name)?.meanTop1 ?? null;
  const names = [...new Set([...zs, ...probe].map((c) => c.corruption))];
  const rows = names.map((name) => {
    const c = [...zs, ...probe].find((x) => x.corruption === name)!;
    return { corruption: name, group: c.group, severities: c.severities, zeroShot: find(zs, name), probe: find(probe, name) };
  });
  const key = (r: CorruptionBar) => (zs.length ? r.zeroShot : r.probe) ?? -1;
  return rows.sort((a, b) => key(b) - key(a) || a.corruption.localeCompare(b.corruption));
}

/** "fog (extra) [s3]": the group, and the severities when not all five ran. */
export const barLabel = (b: CorruptionBar) =>
  `${b.corruption}${b.group === 'extra' ? ' (extra)' : ''}${b.severities.length < 5 ? ` [s${b.severities.join(',')}]` : ''}`;

/** Vertical dashed reference lines (clean top-1 per method), in data units of the x axis. */
function cleanLines(lines: { value: number; color: string }[]): Plugin {
  return {
    id: 'cleanLines',
    afterDatasetsDraw(chart: Chart) {
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      for (const l of lines) {
        const x = scales.x.getPixelForValue(l.value);
        ctx.strokeStyle = l.color;
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

/** Grouped bars per corruption; null when the record has no corruption summary. */
export function renderCorruptionBars(rob: RobustnessRecord, title: string, subtitle: string): Buffer | null {
  const rows = corruptionBars(rob);
  if (!rows.length) return null;
  const zs = rob.methods.find((m) => m.method === 'zero-shot' && m.corruptions);
  const probe = largestProbeMethod(rob);
  const series = [
    ...(zs ? [{ m: zs, color: ZERO_SHOT_COLOR, value: (r: CorruptionBar) => r.zeroShot }] : []),
    ...(probe?.corruptions ? [{ m: probe, color: PROBE_COLOR, value: (r: CorruptionBar) => r.probe }] : []),
  ];
  const top = Math.max(...series.flatMap((s) => [s.m.clean, ...rows.map((r) => s.value(r) ?? 0)]));
  const xMax = Math.min(100, Math.ceil((100 * top + 5) / 10) * 10);
  const mca = (m: RobustnessMethod) => (m.corruptions?.mCA == null ? '' : `, mCA ${pct(m.corruptions.mCA)}%`);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: rows.map(barLabel),
      datasets: series.map((s) => ({
        label: `${methodLabel(s.m)} (clean ${pct(s.m.clean)}%${mca(s.m)})`,
        data: rows.map((r) => (s.value(r) === null ? null : 100 * s.value(r)!)),
        backgroundColor: rows.map((r) => (r.group === 'extra' ? withAlpha(s.color, 0.45) : s.color)),
        borderColor: s.color,
        borderWidth: rows.map((r) => (r.group === 'extra' ? 1.5 : 0)),
      })),
    },
    options: {
      indexAxis: 'y',
      plugins: {
        ...headings(title, [subtitle, 'bars: mean top-1 over the severities run ([s…] when not all 5); dashed: clean top-1; lighter: extras, outside mCA']),
        legend: { position: 'top', labels: { generateLabels: (chart) => chart.data.datasets.map((d, i) => ({ text: String(d.label), fillStyle: series[i].color, strokeStyle: series[i].color, lineWidth: 0, datasetIndex: i })) } },
      },
      scales: {
        x: { min: 0, max: xMax, title: { display: true, text: 'top-1 accuracy (%)' } },
        y: { ticks: { autoSkip: false } },
      },
    },
    plugins: [cleanLines(series.map((s) => ({ value: 100 * s.m.clean, color: s.color })))],
  };
  return renderChart(config as ChartConfiguration, { width: 1100, height: Math.max(400, 210 + rows.length * (series.length * 16 + 10)) });
}
